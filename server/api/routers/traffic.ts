import { tracked } from "@trpc/server";
import { z } from "zod";

import { env } from "~/env";
import { FIVE_MINUTES_S, HOUR_S, type Resolution } from "~/server/accounting/buckets";
import { dayStartOf } from "~/server/accounting/calendar";
import {
  ROUTED_BRIDGE,
  listAccountingKeys,
  readAccountingKey,
  readLastTickAt,
  readSelectorBuckets,
  readTopGroups,
  type BucketSum,
  type Selector,
} from "~/server/accounting/console-queries";
import { readIncarnationHistory, resolutionForRange } from "~/server/accounting/queries";
import { accountingSettingsOf } from "~/server/accounting/settings";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";
import { db as defaultDb, dbKindOf, type Db, type DbKind } from "~/server/db";

/**
 * Bandwidth for the console: series of one key, of a domain's keys, of the
 * guest vifs on a bridge (stacked views: the top domains or bridges and the
 * rest), the live feed of fine buckets as a subscription, the key picker,
 * incarnation history and the top talkers now.
 *
 * One direction convention everywhere, the store's: `in` is what the guest
 * received, `out` what it sent ("as seen from the guest"). Rates are bits per
 * second (bytes × 8 / the bucket's seconds); totals stay bytes (bigint).
 */

const DAY_S = 86_400;

export const RANGES = {
  "1h": HOUR_S,
  "6h": 6 * HOUR_S,
  "24h": DAY_S,
  "7d": 7 * DAY_S,
  "30d": 30 * DAY_S,
  "90d": 90 * DAY_S,
  "13mo": 396 * DAY_S,
} as const;
export const ZRangeSchema = z.enum(["1h", "6h", "24h", "7d", "30d", "90d", "13mo"]);
export type TRange = z.infer<typeof ZRangeSchema>;

/** Charts never draw more points than this: longer grids are merged (sum of bytes over sum of seconds). */
export const MAX_CHART_POINTS = 720;
/** Stacked views: this many domains or bridges, then "Other". */
export const STACK_LIMIT = 8;
/** A reconnecting live chart gets at most this many missed fine buckets back. */
export const LIVE_BACKLOG_BUCKETS = 360;

const ZNameSchema = z.string().min(1).max(255);
export const ZSelectorSchema = z.strictObject({ by: z.enum(["key", "domain", "bridge", "guests"]), name: z.string().max(255) });
/** What a chart shows: a few selectors, and with `withOther` one more series, every guest minus them. */
export const ZPlanSchema = z.strictObject({
  selectors: z.array(ZSelectorSchema).min(1).max(STACK_LIMIT + 2),
  withOther: z.boolean(),
});
export type TPlan = z.infer<typeof ZPlanSchema>;

export const ZSeriesInfoSchema = z.strictObject({ label: z.string() });
export const ZChartPointSchema = z.strictObject({
  /** Start of the point's interval, epoch seconds. */
  start: z.number().int(),
  /** Length of the interval the rates are averaged over, seconds. */
  seconds: z.number().positive(),
  /** Bits per second into the guests (per series, same order as `series`). */
  inBps: z.array(z.number().nonnegative()),
  /** Bits per second out of the guests. */
  outBps: z.array(z.number().nonnegative()),
});
export type TChartPoint = z.infer<typeof ZChartPointSchema>;

export const ZSeriesOutputSchema = z.strictObject({
  range: ZRangeSchema,
  resolution: z.enum(["fine", "5m", "hour", "day"]),
  /** Seconds per bucket of the resolution (days: 86,400). */
  bucketS: z.number().int().positive(),
  fromS: z.number().int(),
  toS: z.number().int(),
  plan: ZPlanSchema,
  series: z.array(ZSeriesInfoSchema),
  points: z.array(ZChartPointSchema),
  totals: z.array(z.strictObject({ inBytes: z.bigint(), outBytes: z.bigint() })),
  /** When the collector last stored a tick (epoch ms); null before its first. */
  lastTickAt: z.number().nullable(),
});
export type TSeriesOutput = z.infer<typeof ZSeriesOutputSchema>;

export const ZLiveEventSchema = ZChartPointSchema;

const ZViewSchema = z.discriminatedUnion("view", [
  z.strictObject({ view: z.literal("key"), key: ZNameSchema }),
  z.strictObject({ view: z.literal("domain") }),
  z.strictObject({ view: z.literal("bridge") }),
]);
/** What a chart is of: one key, or the guests stacked by domain or by bridge. */
export type TTarget = z.infer<typeof ZViewSchema>;

export type TrafficDeps = { db: Db; kind: DbKind; fineS: number; timeZone: string; now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void> };

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

let defaultDeps: TrafficDeps | null = null;
function readDefaultDeps(): TrafficDeps {
  if (!defaultDeps) {
    const settings = accountingSettingsOf(env);
    defaultDeps = { db: defaultDb, kind: dbKindOf(env.DATABASE_URL), fineS: settings.fineS, timeZone: settings.timeZone, now: Date.now, sleep: abortableSleep };
  }
  return defaultDeps;
}

function bucketSecondsOf(resolution: Resolution, fineS: number): number {
  return resolution === "fine" ? fineS : resolution === "5m" ? FIVE_MINUTES_S : resolution === "hour" ? HOUR_S : DAY_S;
}

/** The bucket starts of [fromS, toS) at a resolution (days: local midnights in the accounting zone). */
export function gridOf(resolution: Resolution, fromS: number, toS: number, fineS: number, timeZone: string): number[] {
  const grid: number[] = [];
  if (resolution === "day") {
    for (let d = dayStartOf(fromS, timeZone); d < toS; d = dayStartOf(d + DAY_S + 3 * HOUR_S, timeZone)) grid.push(d);
    return grid;
  }
  const step = bucketSecondsOf(resolution, fineS);
  for (let s = Math.floor(fromS / step) * step; s < toS; s += step) grid.push(s);
  return grid;
}

/** The fine bucket the collector's last tick wrote (a delta is filed under the second before its end). */
export function lastTickBucketOf(lastTickAtMs: number, fineS: number): number {
  return Math.floor(Math.floor((lastTickAtMs - 1) / 1000) / fineS) * fineS;
}

function rateOf(bytes: bigint, seconds: number): number {
  return seconds > 0 ? Number(bytes * 8n) / seconds : 0;
}

/**
 * Builds chart points from each series' buckets on a grid: missing buckets
 * are zero; the newest bucket, still filling, is averaged over the time it
 * has covered (up to `coveredUntilS`); grids longer than MAX_CHART_POINTS are
 * merged.
 */
export function buildPoints(grid: number[], gridEndS: number, coveredUntilS: number, columns: Array<Map<number, BucketSum>>): TChartPoint[] {
  const merge = Math.max(1, Math.ceil(grid.length / MAX_CHART_POINTS));
  const points: TChartPoint[] = [];
  for (let i = 0; i < grid.length; i += merge) {
    const start = grid[i] as number;
    const end = grid[i + merge] ?? gridEndS;
    const seconds = Math.max(1, Math.min(end, Math.max(coveredUntilS, start + 1)) - start);
    const inBps: number[] = [];
    const outBps: number[] = [];
    for (const column of columns) {
      let inBytes = 0n;
      let outBytes = 0n;
      for (let j = i; j < Math.min(i + merge, grid.length); j++) {
        const bucket = column.get(grid[j] as number);
        if (bucket) {
          inBytes += bucket.inBytes;
          outBytes += bucket.outBytes;
        }
      }
      inBps.push(rateOf(inBytes, seconds));
      outBps.push(rateOf(outBytes, seconds));
    }
    points.push({ start, seconds, inBps, outBps });
  }
  return points;
}

/** Reads a plan's buckets: one column per selector, plus "Other" (every guest minus the selectors) when asked. */
async function readPlanColumns(deps: TrafficDeps, plan: TPlan, range: { fromS: number; toS: number }, resolution: Resolution): Promise<Array<Map<number, BucketSum>>> {
  const columns: Array<Map<number, BucketSum>> = [];
  for (const selector of plan.selectors) {
    const rows = await readSelectorBuckets(deps.db, deps.kind, selector, range, resolution);
    columns.push(new Map(rows.map((r) => [r.start, r])));
  }
  if (plan.withOther) {
    const all = await readSelectorBuckets(deps.db, deps.kind, { by: "guests", name: "" }, range, resolution);
    const other = new Map<number, BucketSum>();
    for (const row of all) {
      let inBytes = row.inBytes;
      let outBytes = row.outBytes;
      for (const column of columns) {
        const part = column.get(row.start);
        if (part) {
          inBytes -= part.inBytes;
          outBytes -= part.outBytes;
        }
      }
      other.set(row.start, { start: row.start, inBytes: inBytes > 0n ? inBytes : 0n, outBytes: outBytes > 0n ? outBytes : 0n });
    }
    columns.push(other);
  }
  return columns;
}

function labelOf(selector: Selector): string {
  return selector.by === "guests" ? "All guests" : selector.name;
}

/** A chart's series over a range: the plan for the view (top domains/bridges for stacked views), points and totals. */
export async function readViewSeries(deps: TrafficDeps, view: z.infer<typeof ZViewSchema>, range: TRange): Promise<TSeriesOutput> {
  const lastTickAt = await readLastTickAt(deps.db);
  const nowS = Math.floor((lastTickAt ?? deps.now()) / 1000);
  const spanS = RANGES[range];
  const resolution = resolutionForRange(nowS - spanS, nowS);
  const bucketS = bucketSecondsOf(resolution, deps.fineS);
  // The grid ends with the bucket the last tick wrote into (days: tomorrow's local midnight).
  const gridEndS =
    resolution === "day" ? dayStartOf(dayStartOf(nowS, deps.timeZone) + DAY_S + 3 * HOUR_S, deps.timeZone) : Math.floor(nowS / bucketS) * bucketS + bucketS;
  const grid = gridOf(resolution, gridEndS - spanS, gridEndS, deps.fineS, deps.timeZone);
  const fromS = grid[0] ?? gridEndS - spanS;
  let plan: TPlan;
  if (view.view === "key") {
    plan = { selectors: [{ by: "key", name: view.key }], withOther: false };
  } else {
    const top = await readTopGroups(deps.db, deps.kind, view.view, { fromS, toS: gridEndS }, { resolution, limit: STACK_LIMIT + 1 });
    const named = top.length > STACK_LIMIT ? top.slice(0, STACK_LIMIT) : top;
    plan = named.length === 0 ? { selectors: [{ by: "guests", name: "" }], withOther: false } : { selectors: named.map((g) => ({ by: view.view, name: g.name })), withOther: top.length > STACK_LIMIT };
  }
  const columns = await readPlanColumns(deps, plan, { fromS, toS: gridEndS }, resolution);
  // A tick's delta is filed under the bucket its end falls in, so buckets hold the fineS before their start too.
  const coveredUntilS = lastTickAt === null ? fromS : Math.floor(lastTickAt / 1000) + deps.fineS;
  const points = buildPoints(grid, gridEndS, coveredUntilS, columns);
  const totals = columns.map((column) => {
    let inBytes = 0n;
    let outBytes = 0n;
    for (const bucket of column.values()) {
      inBytes += bucket.inBytes;
      outBytes += bucket.outBytes;
    }
    return { inBytes, outBytes };
  });
  const series = [...plan.selectors.map((s) => ({ label: labelOf(s) })), ...(plan.withOther ? [{ label: "Other guests" }] : [])];
  return { range, resolution, bucketS, fromS, toS: gridEndS, plan, series, points, totals, lastTickAt };
}

/**
 * The live feed: every fine bucket after `lastEventId` (a bucket start), one
 * event per bucket — zero when nothing moved — as the collector writes them.
 * Polls the collector's last tick every `pollMs`; a client that reconnects
 * with its last event id gets what it missed (up to LIVE_BACKLOG_BUCKETS).
 */
export async function* streamLiveBuckets(
  deps: TrafficDeps,
  plan: TPlan,
  lastEventId: string | null | undefined,
  options: { signal?: AbortSignal; pollMs: number },
): AsyncGenerator<{ id: string; point: TChartPoint }> {
  const parsed = lastEventId ? Number(lastEventId) : NaN;
  let cursor: number | null = Number.isInteger(parsed) ? Math.floor(parsed / deps.fineS) * deps.fineS : null;
  while (!options.signal?.aborted) {
    const lastTickAt = await readLastTickAt(deps.db);
    if (lastTickAt !== null) {
      const newest = lastTickBucketOf(lastTickAt, deps.fineS);
      if (cursor === null) cursor = newest - deps.fineS;
      cursor = Math.max(cursor, newest - LIVE_BACKLOG_BUCKETS * deps.fineS);
      if (newest > cursor) {
        const range = { fromS: cursor + deps.fineS, toS: newest + deps.fineS };
        const columns = await readPlanColumns(deps, plan, range, "fine");
        const grid = gridOf("fine", range.fromS, range.toS, deps.fineS, deps.timeZone);
        for (const start of grid) {
          const [point] = buildPoints([start], start + deps.fineS, start + deps.fineS, columns);
          if (!point) continue;
          yield { id: String(start), point: ZLiveEventSchema.parse(point) };
          cursor = start;
        }
      }
    }
    await deps.sleep(options.pollMs, options.signal);
  }
}

const ZTalkerSchema = z.strictObject({
  key: z.string(),
  domain: z.string().nullable(),
  bridge: z.string().nullable(),
  inBps: z.number().nonnegative(),
  outBps: z.number().nonnegative(),
});

const ZKeyEntrySchema = z.strictObject({
  key: z.string(),
  kind: z.string(),
  category: z.string(),
  domain: z.string().nullable(),
  devid: z.number().int().nullable(),
  vifname: z.string().nullable(),
  bridge: z.string().nullable(),
  lastSeenAt: z.number(),
});

const ZIncarnationSchema = z.strictObject({
  kernelName: z.string(),
  ifindex: z.number().int(),
  domid: z.number().int().nullable(),
  mac: z.string().nullable(),
  bridge: z.string().nullable(),
  firstSeenAt: z.number(),
  lastSeenAt: z.number(),
  endedAt: z.number().nullable(),
  endReason: z.string().nullable(),
});

export function createTrafficRouter(readDeps: () => TrafficDeps = readDefaultDeps) {
  return createTRPCRouter({
    /** Keys for the picker (guest keys first); `search` matches the key or the domain. */
    keys: viewerProcedure
      .input(z.strictObject({ search: z.string().max(255).optional(), limit: z.number().int().min(1).max(200).default(50) }))
      .output(z.array(ZKeyEntrySchema))
      .query(({ input }) => listAccountingKeys(readDeps().db, { limit: input.limit, ...(input.search ? { search: input.search } : {}) })),

    /** One key's stored attributes (null: never seen by the collector). */
    key: viewerProcedure
      .input(z.strictObject({ key: ZNameSchema }))
      .output(ZKeyEntrySchema.nullable())
      .query(({ input }) => readAccountingKey(readDeps().db, input.key)),

    /** A chart over a range: one key (in and out), or stacked top domains / bridges (sums of their guest vifs) and the rest. */
    series: viewerProcedure
      .input(z.strictObject({ target: ZViewSchema, range: ZRangeSchema }))
      .output(ZSeriesOutputSchema)
      .query(({ input }) => readViewSeries(readDeps(), input.target, input.range)),

    /**
     * The live feed of a plan (SSE): one event per fine bucket, its id the
     * bucket start; a reconnecting client sends its last id and gets what it
     * missed first. Events are in bits per second, as seen from the guest.
     */
    live: viewerProcedure
      .input(z.strictObject({ plan: ZPlanSchema, lastEventId: z.string().max(32).nullish() }))
      .subscription(async function* ({ input, signal }) {
        const deps = readDeps();
        const pollMs = Math.min(2_000, Math.max(250, (deps.fineS * 1000) / 4));
        for await (const event of streamLiveBuckets(deps, input.plan, input.lastEventId, { pollMs, ...(signal ? { signal } : {}) })) {
          yield tracked(event.id, event.point);
        }
      }),

    /** "web1 was vif6.0 until 10:02, vif7.0 since 10:03": a key's incarnations, newest first. */
    incarnations: viewerProcedure
      .input(z.strictObject({ key: ZNameSchema }))
      .output(z.array(ZIncarnationSchema))
      .query(({ input }) => readIncarnationHistory(readDeps().db, input.key, 50)),

    /** The guest keys moving the most right now: rates over the last minute of fine buckets. */
    topTalkers: viewerProcedure
      .input(z.strictObject({ limit: z.number().int().min(1).max(50).default(10) }).default({ limit: 10 }))
      .output(z.strictObject({ windowS: z.number().int(), lastTickAt: z.number().nullable(), talkers: z.array(ZTalkerSchema) }))
      .query(async ({ input }) => {
        const deps = readDeps();
        const lastTickAt = await readLastTickAt(deps.db);
        if (lastTickAt === null) return { windowS: 0, lastTickAt, talkers: [] };
        const newest = lastTickBucketOf(lastTickAt, deps.fineS);
        const windowS = Math.max(deps.fineS, Math.floor(60 / deps.fineS) * deps.fineS);
        const range = { fromS: newest + deps.fineS - windowS, toS: newest + deps.fineS };
        const top = await readTopGroups(deps.db, deps.kind, "key", range, { resolution: "fine", limit: input.limit });
        const keys = await Promise.all(top.map((t) => readAccountingKey(deps.db, t.name)));
        const talkers = top.map((t, i) => ({
          key: t.name,
          domain: keys[i]?.domain ?? null,
          bridge: keys[i]?.bridge ?? null,
          inBps: rateOf(t.inBytes, windowS),
          outBps: rateOf(t.outBytes, windowS),
        }));
        return { windowS, lastTickAt, talkers };
      }),
  });
}

export const trafficRouter = createTrafficRouter();

export { ROUTED_BRIDGE };
