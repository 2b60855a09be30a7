import { dayStartOf } from "./calendar";
import { KEY_COUNTER_NAMES, addKeyCounters, isZeroKeyCounters, zeroKeyCounters, type KeyCounters } from "./identity";

/**
 * Where a tick's deltas go. Four resolutions, each its own table, start in
 * epoch seconds; the primary key is (keyId, start), but (start, keyId) for the
 * fine buckets (see TrafficFine in prisma/schema.prisma):
 *
 *   fine   the tick's resolution (VIFDECK_ACCOUNTING_FINE_S, default 10 s), kept 24 h
 *   5m     5 minutes (billing's 95th percentile), kept 40 days
 *   hour   kept 13 months
 *   day    local days in the accounting time zone, kept forever
 *
 * Ticks write the fine buckets only; the 5-minute, hourly and daily ones are
 * rolled up from the fine ones once a 5-minute bucket is complete (see
 * store.ts, rollUp), which keeps a tick's writes at one row per key that moved.
 *
 * A normal tick's delta goes whole into the bucket containing its end (a
 * delta covering 10:04:50–10:05:00 belongs to 10:04:50's buckets). A delta
 * that covers more than two fine intervals (after a gap: collector or agent
 * down) is spread over the time it covers in proportion to duration, so a
 * restart does not put hours of traffic into one 5-minute rate; the integer
 * split keeps the sum exact.
 */

export type Resolution = "fine" | "5m" | "hour" | "day";
export const RESOLUTIONS: readonly Resolution[] = ["fine", "5m", "hour", "day"];
export const BUCKET_TABLES: Record<Resolution, string> = {
  fine: "TrafficFine",
  "5m": "TrafficFiveMin",
  hour: "TrafficHour",
  day: "TrafficDay",
};

export const FIVE_MINUTES_S = 300;
export const HOUR_S = 3600;

export type BucketRow = { keyId: number; start: number; counters: KeyCounters };

export type BucketPlanOptions = {
  fineS: number;
  timeZone: string;
  /**
   * Epoch s, on the 5-minute grid: a piece whose 5-minute bucket starts before
   * it goes to every resolution; a later piece goes to `pending`, a fine row
   * that the rollup will add to the coarser ones (the store's rolledUpTo).
   * Default: every piece goes to every resolution.
   */
  coarseBefore?: number;
};

/** A piece of a delta: its share of the counters and the instant it is filed under (epoch seconds). */
type Piece = { at: number; counters: KeyCounters };

/** Splits counters over (fromMs, toMs] into pieces on a grid, proportional to overlap, summing exactly. */
export function spreadCounters(counters: KeyCounters, fromMs: number, toMs: number, fineS: number): Piece[] {
  const span = toMs - fromMs;
  if (span <= 2 * fineS * 1000) return [{ at: Math.floor((toMs - 1) / 1000), counters }];
  // Long gaps are spread on a coarser grid so that one tick never writes too many rows.
  const gridS = span <= 6 * HOUR_S * 1000 ? FIVE_MINUTES_S : span <= 14 * 24 * HOUR_S * 1000 ? HOUR_S : 24 * HOUR_S;
  const pieces: Piece[] = [];
  const total = BigInt(span);
  const given = zeroKeyCounters();
  for (let slot = Math.floor(fromMs / 1000 / gridS) * gridS; slot * 1000 < toMs; slot += gridS) {
    const lo = Math.max(fromMs, slot * 1000);
    const hi = Math.min(toMs, (slot + gridS) * 1000);
    if (hi <= lo) continue;
    const share = zeroKeyCounters();
    for (const name of KEY_COUNTER_NAMES) share[name] = (counters[name] * BigInt(hi - lo)) / total;
    addKeyCounters(given, share);
    pieces.push({ at: Math.floor(lo / 1000), counters: share });
  }
  const last = pieces[pieces.length - 1];
  if (last) for (const name of KEY_COUNTER_NAMES) last.counters[name] += counters[name] - given[name];
  return pieces.filter((p) => !isZeroKeyCounters(p.counters));
}

export function bucketStartOf(resolution: Resolution, epochS: number, options: BucketPlanOptions): number {
  switch (resolution) {
    case "fine":
      return Math.floor(epochS / options.fineS) * options.fineS;
    case "5m":
      return Math.floor(epochS / FIVE_MINUTES_S) * FIVE_MINUTES_S;
    case "hour":
      return Math.floor(epochS / HOUR_S) * HOUR_S;
    case "day":
      return dayStartOf(epochS, options.timeZone);
  }
}

function sumKeyCounters(a: KeyCounters, b: KeyCounters): KeyCounters {
  const sum = { ...a };
  addKeyCounters(sum, b);
  return sum;
}

/** Where a piece's rows go: every resolution, or a pending fine row (BucketPlanOptions.coarseBefore). */
export type BucketTarget = Resolution | "pending";
const DIRECT: readonly BucketTarget[] = RESOLUTIONS;
const WAITING: readonly BucketTarget[] = ["pending"];

/**
 * The rows a set of key deltas adds to each resolution, merged per (key, bucket). Never changes its input.
 * Each key comes once in `deltas` (one delta per key and tick), so only the pieces of one delta can
 * share a bucket: a delta that is one piece (every tick but those after a gap) is one row per resolution.
 */
export function planBucketRows(
  deltas: Iterable<{ keyId: number; counters: KeyCounters; fromMs: number; toMs: number }>,
  options: BucketPlanOptions,
): Record<BucketTarget, BucketRow[]> {
  const out: Record<BucketTarget, BucketRow[]> = { fine: [], "5m": [], hour: [], day: [], pending: [] };
  const starts = new Map<number, Record<Resolution, number>>();
  const coarseBefore = options.coarseBefore ?? Infinity;
  const startsOf = (at: number) => {
    let s = starts.get(at);
    if (!s) {
      s = {
        fine: bucketStartOf("fine", at, options),
        "5m": bucketStartOf("5m", at, options),
        hour: bucketStartOf("hour", at, options),
        day: bucketStartOf("day", at, options),
      };
      starts.set(at, s);
    }
    return s;
  };
  const seenKeys = new Set<number>();
  for (const delta of deltas) {
    if (isZeroKeyCounters(delta.counters)) continue;
    if (seenKeys.has(delta.keyId)) throw new Error(`planBucketRows: key ${delta.keyId} has two deltas in one tick`);
    seenKeys.add(delta.keyId);
    const pieces = spreadCounters(delta.counters, delta.fromMs, delta.toMs, options.fineS);
    if (pieces.length === 1) {
      const piece = pieces[0] as Piece;
      const s = startsOf(piece.at);
      for (const target of s["5m"] < coarseBefore ? DIRECT : WAITING) {
        out[target].push({ keyId: delta.keyId, start: s[target === "pending" ? "fine" : target], counters: piece.counters });
      }
      continue;
    }
    const merged: Record<BucketTarget, Map<number, BucketRow>> = { fine: new Map(), "5m": new Map(), hour: new Map(), day: new Map(), pending: new Map() };
    for (const piece of pieces) {
      const s = startsOf(piece.at);
      for (const target of s["5m"] < coarseBefore ? DIRECT : WAITING) {
        const start = s[target === "pending" ? "fine" : target];
        const row = merged[target].get(start);
        // A row shares its first piece's counters until a second piece is merged into it (then a sum of its own).
        if (row) row.counters = sumKeyCounters(row.counters, piece.counters);
        else merged[target].set(start, { keyId: delta.keyId, start, counters: piece.counters });
      }
    }
    for (const target of [...DIRECT, ...WAITING]) out[target].push(...merged[target].values());
  }
  return out;
}

/** The hourly and daily rows that a set of 5-minute rows adds up to (the rollup), merged per (key, bucket). */
export function planRollupRows(fiveMinRows: Iterable<BucketRow>, options: BucketPlanOptions): { hour: BucketRow[]; day: BucketRow[] } {
  const hour = new Map<string, BucketRow>();
  const day = new Map<string, BucketRow>();
  const dayOf = new Map<number, number>();
  const add = (into: Map<string, BucketRow>, keyId: number, start: number, counters: KeyCounters) => {
    const id = `${keyId}:${start}`;
    const row = into.get(id);
    if (row) addKeyCounters(row.counters, counters);
    else into.set(id, { keyId, start, counters: { ...counters } });
  };
  for (const row of fiveMinRows) {
    const hourStart = bucketStartOf("hour", row.start, options);
    let dayStart = dayOf.get(row.start);
    if (dayStart === undefined) {
      dayStart = bucketStartOf("day", row.start, options);
      dayOf.set(row.start, dayStart);
    }
    add(hour, row.keyId, hourStart, row.counters);
    add(day, row.keyId, dayStart, row.counters);
  }
  return { hour: [...hour.values()], day: [...day.values()] };
}
