import { TRPCError } from "@trpc/server";
import { z } from "zod";

import { env } from "~/env";
import type { KeyBill } from "~/server/accounting/billing";
import { billingPeriodOf, parsePeriodLabel, type Period } from "~/server/accounting/calendar";
import { computePeriodBills } from "~/server/accounting/console-queries";
import { accountingSettingsOf } from "~/server/accounting/settings";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";
import { db as defaultDb, dbKindOf, type Db, type DbKind } from "~/server/db";

/**
 * The monthly accounting table: per key, a billing period's transfer in and
 * out (as seen from the guest: in = received by the guest), the 95th
 * percentile of 5-minute rates in, out and the billable max, quota use.
 * Billing periods honour VIFDECK_BILLING_DAY and VIFDECK_ACCOUNTING_TZ.
 * Sorted, filtered and paged here: a host can have thousands of keys.
 */

export type BillingDeps = { db: Db; kind: DbKind; timeZone: string; billingDay: number; fiveMinRetentionS: number; now: () => number };

let defaultDeps: BillingDeps | null = null;
function readDefaultDeps(): BillingDeps {
  if (!defaultDeps) {
    const settings = accountingSettingsOf(env);
    defaultDeps = {
      db: defaultDb,
      kind: dbKindOf(env.DATABASE_URL),
      timeZone: settings.timeZone,
      billingDay: settings.billingDay,
      fiveMinRetentionS: settings.retention.fiveMinS,
      now: Date.now,
    };
  }
  return defaultDeps;
}

export const ZBillSortSchema = z.enum(["key", "in", "out", "total", "p95In", "p95Out", "p95Max", "quota"]);
export type TBillSort = z.infer<typeof ZBillSortSchema>;

const ZPeriodSchema = z.strictObject({ label: z.string(), start: z.number().int(), end: z.number().int() });

const ZBillRowSchema = z.strictObject({
  key: z.string(),
  /** guest: in/out as seen from the guest; host: a host interface, in = received by it. */
  kind: z.enum(["guest", "host"]),
  inBytes: z.bigint(),
  outBytes: z.bigint(),
  totalBytes: z.bigint(),
  samples: z.number().int().nonnegative(),
  p95InBps: z.number().nonnegative(),
  p95OutBps: z.number().nonnegative(),
  p95MaxBps: z.number().nonnegative(),
  quota: z.strictObject({ metric: z.string(), monthlyBytes: z.bigint(), usedBytes: z.bigint(), percent: z.number() }).nullable(),
});
export type TBillRow = z.infer<typeof ZBillRowSchema>;

export const ZMonthOutputSchema = z.strictObject({
  period: ZPeriodSchema,
  /** The current period and the twelve before it, newest first. */
  periods: z.array(ZPeriodSchema),
  timeZone: z.string(),
  billingDay: z.number().int(),
  /** Keys with traffic in the period (after the search filter). */
  totalRows: z.number().int().nonnegative(),
  page: z.number().int().nonnegative(),
  pageSize: z.number().int().positive(),
  rows: z.array(ZBillRowSchema),
  /** Sums over every key of the period (not only this page); guest keys and host interfaces apart. */
  totals: z.strictObject({ guestInBytes: z.bigint(), guestOutBytes: z.bigint(), keys: z.number().int() }),
  hasQuotas: z.boolean(),
  computedAt: z.number(),
});
export type TMonthOutput = z.infer<typeof ZMonthOutputSchema>;

const CACHE_MS = 15_000;
const cache = new Map<string, { at: number; bills: KeyBill[]; guestKeys: Set<string> }>();

async function readBills(deps: BillingDeps, period: Period): Promise<{ at: number; bills: KeyBill[]; guestKeys: Set<string> }> {
  const now = deps.now();
  const hit = cache.get(period.label);
  if (hit && now - hit.at < CACHE_MS) return hit;
  const nowS = Math.floor(now / 1000);
  // Within the 5-minute retention, totals include the ticks not yet rolled up into daily buckets.
  const totalsFrom = period.start >= nowS - deps.fiveMinRetentionS ? ("5m" as const) : ("day" as const);
  const bills = await computePeriodBills(deps.db, deps.kind, period, nowS, { totalsFrom });
  const guests = await deps.db.accountingKey.findMany({ where: { kind: "guest" }, select: { key: true } });
  const entry = { at: now, bills, guestKeys: new Set(guests.map((g) => g.key)) };
  if (cache.size > 24) cache.clear();
  cache.set(period.label, entry);
  return entry;
}

function sortValue(row: TBillRow, sort: TBillSort): bigint | number | string {
  switch (sort) {
    case "key":
      return row.key;
    case "in":
      return row.inBytes;
    case "out":
      return row.outBytes;
    case "total":
      return row.totalBytes;
    case "p95In":
      return row.p95InBps;
    case "p95Out":
      return row.p95OutBps;
    case "p95Max":
      return row.p95MaxBps;
    case "quota":
      return row.quota?.percent ?? -1;
  }
}

export function sortBillRows(rows: TBillRow[], sort: TBillSort, direction: "asc" | "desc"): TBillRow[] {
  const sign = direction === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, sort);
    const y = sortValue(b, sort);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return order !== 0 ? order * sign : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

function recentPeriods(deps: BillingDeps, count: number): Period[] {
  const periods: Period[] = [];
  let at = Math.floor(deps.now() / 1000);
  for (let i = 0; i < count; i++) {
    const period = billingPeriodOf(at, deps.timeZone, deps.billingDay);
    periods.push(period);
    at = period.start - 1;
  }
  return periods;
}

export function createBillingRouter(readDeps: () => BillingDeps = readDefaultDeps) {
  return createTRPCRouter({
    /** One billing period's accounting table, sorted, filtered and paged. */
    month: viewerProcedure
      .input(
        z.strictObject({
          period: z.string().regex(/^\d{4}-\d{2}$/).optional(),
          sort: ZBillSortSchema.default("total"),
          direction: z.enum(["asc", "desc"]).default("desc"),
          search: z.string().max(255).optional(),
          page: z.number().int().min(0).default(0),
          pageSize: z.number().int().min(10).max(500).default(50),
        }),
      )
      .output(ZMonthOutputSchema)
      .query(async ({ input }) => {
        const deps = readDeps();
        let period: Period;
        try {
          period = input.period ? parsePeriodLabel(input.period, deps.timeZone, deps.billingDay) : billingPeriodOf(Math.floor(deps.now() / 1000), deps.timeZone, deps.billingDay);
        } catch (error) {
          throw new TRPCError({ code: "BAD_REQUEST", message: error instanceof Error ? error.message : String(error) });
        }
        const { at, bills, guestKeys } = await readBills(deps, period);
        let guestInBytes = 0n;
        let guestOutBytes = 0n;
        for (const bill of bills) {
          if (!guestKeys.has(bill.key)) continue;
          guestInBytes += bill.inBytes;
          guestOutBytes += bill.outBytes;
        }
        const search = input.search?.trim().toLowerCase();
        const rows: TBillRow[] = bills
          .filter((bill) => !search || bill.key.toLowerCase().includes(search))
          .map((bill) => ({
            key: bill.key,
            kind: guestKeys.has(bill.key) ? ("guest" as const) : ("host" as const),
            inBytes: bill.inBytes,
            outBytes: bill.outBytes,
            totalBytes: bill.inBytes + bill.outBytes,
            samples: bill.samples,
            p95InBps: bill.p95InBps,
            p95OutBps: bill.p95OutBps,
            p95MaxBps: bill.p95BillableBps,
            quota: bill.quota,
          }));
        const sorted = sortBillRows(rows, input.sort, input.direction);
        const lastPage = Math.max(0, Math.ceil(sorted.length / input.pageSize) - 1);
        const page = Math.min(input.page, lastPage);
        return {
          period: { label: period.label, start: period.start, end: period.end },
          periods: recentPeriods(deps, 13).map((p) => ({ label: p.label, start: p.start, end: p.end })),
          timeZone: deps.timeZone,
          billingDay: deps.billingDay,
          totalRows: sorted.length,
          page,
          pageSize: input.pageSize,
          rows: sorted.slice(page * input.pageSize, (page + 1) * input.pageSize),
          totals: { guestInBytes, guestOutBytes, keys: bills.length },
          hasQuotas: bills.some((b) => b.quota !== null),
          computedAt: at,
        };
      }),
  });
}

export const billingRouter = createBillingRouter();
