import { z } from "zod";

import { env } from "~/env";
import { billingPeriodOf } from "~/server/accounting/calendar";
import { createTRPCRouter, viewerProcedure, type Context } from "~/server/api/trpc";
import { db } from "~/server/db";
import { ZFindingSchema, ZSecurityPostureSchema, type TSecurityPosture } from "~/server/host/security/posture";
import { createSharedRead } from "~/server/api/shared-read";

/**
 * The security page and the Overview's alerts: the agent's posture findings
 * (per host and per vif, each with why it matters and how to fix it) and the
 * quota thresholds crossed in the current billing period.
 */

/**
 * The agent's posture, shared by every caller: one agent call at a time, served as is for 5 s and,
 * up to 60 s, at once while one new read runs in the background (see createSharedRead). On a host
 * with thousands of vifs the agent takes a second or more to compute it, and the Overview's alerts
 * (its largest text, server-rendered when the posture is at hand) would otherwise wait for it on
 * every load. Attach, detach and config writes forget it (forgetPosture).
 */
let callAgent: Context["callAgent"] | null = null;
const posture = createSharedRead<TSecurityPosture>({
  read: () => {
    if (!callAgent) throw new Error("no agent connection yet");
    return callAgent("securityPosture", {});
  },
  freshMs: 5_000,
  staleMs: 60_000,
});

function readPosture(ctx: Pick<Context, "callAgent">): Promise<TSecurityPosture> {
  // Every request context reaches the same agent (one client per process): the latest caller's serves.
  callAgent = ctx.callAgent;
  return posture.get();
}

/** The host changed (a vif attached or detached, a config written): the next read asks the agent. */
export function forgetPosture(): void {
  posture.forget();
}

const ZQuotaCrossingSchema = z.strictObject({
  key: z.string(),
  threshold: z.number().int(),
  at: z.number(),
  usedBytes: z.number(),
  quotaBytes: z.number(),
});

const ZAlertsSchema = z.strictObject({
  security: z
    .strictObject({
      counts: ZSecurityPostureSchema.shape.counts,
      /** The worst open findings (critical and warning), at most a few. */
      top: z.array(ZFindingSchema.pick({ id: true, severity: true, scope: true, title: true, target: true })),
      vifsAtRisk: z.number().int(),
    })
    .nullable(),
  /** Why the security summary is missing, when it is. */
  securityError: z.string().nullable(),
  period: z.string(),
  quotaCrossings: z.array(ZQuotaCrossingSchema),
  quotaError: z.string().nullable(),
});

const TOP_FINDINGS = 5;
const QUOTA_CROSSINGS = 20;

export const securityRouter = createTRPCRouter({
  /** Every finding of the host and its vifs, worst first, with the per-vif posture. */
  posture: viewerProcedure.output(ZSecurityPostureSchema).query(({ ctx }) => readPosture(ctx)),

  /** One vif's findings by stable name, for the vif page. */
  findingsOfVif: viewerProcedure
    .input(z.strictObject({ key: z.string().min(1).max(200) }))
    .output(z.strictObject({ findings: z.array(ZFindingSchema), vif: ZSecurityPostureSchema.shape.vifs.element.nullable() }))
    .query(async ({ ctx, input }) => {
      const posture = await readPosture(ctx);
      return {
        findings: posture.findings.filter((f) => f.scope === "vif" && f.target.name === input.key),
        vif: posture.vifs.find((v) => v.name === input.key && v.kind === "vif") ?? posture.vifs.find((v) => v.name === input.key) ?? null,
      };
    }),

  /** What the Overview lists as open alerts: security findings and quota crossings this billing period. */
  alerts: viewerProcedure.output(ZAlertsSchema).query(async ({ ctx }) => {
    const period = billingPeriodOf(Math.floor(Date.now() / 1000), env.VIFDECK_ACCOUNTING_TZ, env.VIFDECK_BILLING_DAY);
    const [posture, crossings] = await Promise.all([
      readPosture(ctx).then(
        (value) => ({ value, error: null }),
        (error: unknown) => ({ value: null, error: error instanceof Error ? error.message : String(error) }),
      ),
      db.accountingAlert
        .findMany({ where: { periodStart: BigInt(period.start) }, include: { key: { select: { key: true } } }, orderBy: { at: "desc" }, take: QUOTA_CROSSINGS })
        .then(
          (rows) => ({ rows, error: null }),
          (error: unknown) => ({ rows: [], error: error instanceof Error ? error.message : String(error) }),
        ),
    ]);
    const p = posture.value;
    return {
      security: p
        ? {
            counts: p.counts,
            top: p.findings
              .filter((f) => f.severity === "critical" || f.severity === "warning")
              .slice(0, TOP_FINDINGS)
              .map((f) => ({ id: f.id, severity: f.severity, scope: f.scope, title: f.title, target: f.target })),
            vifsAtRisk: p.vifs.filter((v) => v.severity === "critical" || v.severity === "warning").length,
          }
        : null,
      securityError: posture.error,
      period: period.label,
      quotaCrossings: crossings.rows.map((r) => ({
        key: r.key.key,
        threshold: r.threshold,
        at: Number(r.at),
        usedBytes: Number(r.usedBytes),
        quotaBytes: Number(r.quotaBytes),
      })),
      quotaError: crossings.error,
    };
  }),
});
