import { z } from "zod";

import type { Db, DbKind } from "~/server/db";

import { RESOLUTIONS } from "./buckets";
import { billingPeriodOf, parsePeriodLabel } from "./calendar";
import { exportBillCsv, exportRangeCsv } from "./export";
import { isBearerAuthorized, unauthorizedResponse } from "./http-auth";
import { renderMetrics } from "./metrics";
import { resolutionForRange } from "./queries";
import type { AccountingSettings } from "./settings";

/**
 * The machine endpoints' handlers, as plain functions of a Request, so the
 * route files (app/api/metrics, app/api/export/…) stay one line and the
 * handlers are tested without Next.js.
 */
export type AccountingHttpDeps = {
  db: Db;
  kind: DbKind;
  settings: AccountingSettings;
  hostname: string;
  now?: () => number;
  /** vifdeck's API tokens and sessions (server/auth verifyApiToken): null to go on, else the refusal. */
  authorize?: (request: Request) => Promise<Response | null>;
};

/** VIFDECK_METRICS_TOKEN (kept for existing scrapers), else an API token or session through `authorize`. */
async function refuseUnauthorized(request: Request, deps: AccountingHttpDeps): Promise<Response | null> {
  if (isBearerAuthorized(request.headers.get("authorization"), deps.settings.metricsToken)) return null;
  if (deps.authorize) return deps.authorize(request);
  return unauthorizedResponse(deps.settings.metricsToken !== null);
}

export async function handleMetricsRequest(request: Request, deps: AccountingHttpDeps): Promise<Response> {
  const refused = await refuseUnauthorized(request, deps);
  if (refused) return refused;
  const body = await renderMetrics(deps.db, deps.hostname);
  return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" } });
}

const ZInstantSchema = z.union([z.string().regex(/^\d+$/).transform(Number), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s) / 1000)]);

const ZRangeQuerySchema = z.strictObject({
  from: ZInstantSchema,
  to: ZInstantSchema,
  resolution: z.enum(RESOLUTIONS as [string, ...string[]]).optional(),
  key: z.array(z.string().min(1).max(64)).max(1000).optional(),
});

const ZBillQuerySchema = z.strictObject({ month: z.string().regex(/^\d{4}-\d{2}$/).optional() });

function queryOf(url: URL): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const [name, value] of url.searchParams) {
    if (name === "key") query.key = [...((query.key as string[] | undefined) ?? []), value];
    else query[name] = value;
  }
  return query;
}

function csvResponse(body: string, filename: string): Response {
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}

function badRequest(message: string): Response {
  return new Response(`${message}\n`, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** GET /api/export/range?from=<epoch s|ISO>&to=…&resolution=fine|5m|hour|day&key=web1&key=… */
export async function handleRangeExport(request: Request, deps: AccountingHttpDeps): Promise<Response> {
  const refused = await refuseUnauthorized(request, deps);
  if (refused) return refused;
  const parsed = ZRangeQuerySchema.safeParse(queryOf(new URL(request.url)));
  if (!parsed.success) return badRequest(`bad query: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const { from, to, key } = parsed.data;
  if (!(to > from)) return badRequest("bad query: `to` must be after `from`");
  const resolution = (parsed.data.resolution as (typeof RESOLUTIONS)[number] | undefined) ?? resolutionForRange(from, to);
  const body = await exportRangeCsv(deps.db, deps.kind, {
    fromS: Math.floor(from),
    toS: Math.ceil(to),
    resolution,
    timeZone: deps.settings.timeZone,
    ...(key ? { keys: key } : {}),
  });
  return csvResponse(body, `vifdeck-traffic-${Math.floor(from)}-${Math.ceil(to)}-${resolution}.csv`);
}

/** GET /api/export/bill?month=YYYY-MM (default: the current billing period). */
export async function handleBillExport(request: Request, deps: AccountingHttpDeps): Promise<Response> {
  const refused = await refuseUnauthorized(request, deps);
  if (refused) return refused;
  const parsed = ZBillQuerySchema.safeParse(queryOf(new URL(request.url)));
  if (!parsed.success) return badRequest("bad query: month must be YYYY-MM");
  const nowS = Math.floor((deps.now?.() ?? Date.now()) / 1000);
  const { timeZone, billingDay } = deps.settings;
  let period;
  try {
    period = parsed.data.month ? parsePeriodLabel(parsed.data.month, timeZone, billingDay) : billingPeriodOf(nowS, timeZone, billingDay);
  } catch (error) {
    return badRequest(error instanceof Error ? error.message : String(error));
  }
  const body = await exportBillCsv(deps.db, deps.kind, period, nowS, timeZone);
  return csvResponse(body, `vifdeck-bill-${period.label}.csv`);
}
