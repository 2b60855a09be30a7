import type { Db, DbKind } from "~/server/db";

import type { BucketRow } from "./buckets";
import { FIVE_MINUTES_S } from "./buckets";
import { billingPeriodOf, type Period } from "./calendar";
import type { TickWriterTx } from "./tick-writer";

/**
 * The 95th percentile of a billing period without reading every 5-minute
 * bucket (8,000 keys × 8,928 buckets at the end of a 31-day month).
 *
 * The percentile (billing.ts) is the rank-th largest 5-minute value of a key,
 * rank = floor(samples × 0.05) + 1, and samples are at most the period's
 * 5-minute slots, so it is always among the key's K largest values with
 * K = floor(period slots × 0.05) + 1 (447 for 31 days). The rollup, which sees
 * every 5-minute bucket once when it is complete, keeps those K per key,
 * period and direction in TrafficPeak: a value enters while fewer than K are
 * kept or when it beats the smallest (which then leaves), so after the first
 * days of a period few values enter at all. A bill reads at most K rows per
 * key and direction, plus the buckets not yet rolled up.
 *
 * A period's peaks are used only if they are complete: TrafficPeakPeriod says
 * from when the rollup kept them (coveredFrom); a period with 5-minute buckets
 * before that (a store from before peaks, or a billing day changed since), or
 * one whose current bucket was rolled up early (rollUp includeCurrent: the
 * rest of that bucket bypasses the rollup), is computed from the 5-minute
 * buckets as before.
 */

export type PeakSettings = { timeZone: string; billingDay: number };
/** Per period start: per `${keyId}:${direction}`, how many values are kept and the smallest. */
export type PeakCache = Map<number, Map<string, { count: number; min: bigint }>>;

export function slotsBetween(fromS: number, toS: number): number {
  if (toS <= fromS) return 0;
  return Math.ceil(toS / FIVE_MINUTES_S) - Math.floor(fromS / FIVE_MINUTES_S);
}

/** How many values per key and direction a period keeps: the largest rank its percentile can have. */
export function peaksToKeep(period: Pick<Period, "start" | "end">): number {
  return Math.floor(slotsBetween(period.start, period.end) * 0.05) + 1;
}

function placeholders(kind: DbKind): (index: number) => string {
  return kind === "postgres" ? (index) => `$${index}` : () => "?";
}

/** Adds complete 5-minute buckets (the rollup's rows of [fromS, …)) to their periods' peaks, in the rollup's transaction. */
export async function addPeaks(tx: TickWriterTx, kind: DbKind, rows: readonly BucketRow[], fromS: number, settings: PeakSettings, cache: PeakCache): Promise<void> {
  const ph = placeholders(kind);
  const periods = new Map<number, { period: Period; rows: BucketRow[] }>();
  const periodOfStart = new Map<number, Period>();
  for (const row of rows) {
    let period = periodOfStart.get(row.start);
    if (!period) {
      period = billingPeriodOf(row.start, settings.timeZone, settings.billingDay);
      periodOfStart.set(row.start, period);
    }
    const group = periods.get(period.start) ?? { period, rows: [] };
    group.rows.push(row);
    periods.set(period.start, group);
  }
  for (const { period, rows: periodRows } of periods.values()) {
    const keep = peaksToKeep(period);
    const known = await tx.all<{ keep: unknown }>(`SELECT "keep" FROM "TrafficPeakPeriod" WHERE "periodStart" = ${ph(1)}`, [period.start]);
    if (known.length === 0) {
      await tx.run(`INSERT INTO "TrafficPeakPeriod" ("periodStart", "periodEnd", "coveredFrom", "keep") VALUES (${ph(1)}, ${ph(2)}, ${ph(3)}, ${ph(4)})`, [
        period.start,
        period.end,
        Math.max(period.start, fromS),
        keep,
      ]);
    }
    let stats = cache.get(period.start);
    if (!stats) {
      stats = new Map();
      const kept = await tx.all<{ keyId: unknown; direction: unknown; n: unknown; m: unknown }>(
        `SELECT "keyId", "direction", COUNT(*) AS "n", MIN("bytes") AS "m" FROM "TrafficPeak" WHERE "periodStart" = ${ph(1)} GROUP BY "keyId", "direction"`,
        [period.start],
      );
      for (const k of kept) stats.set(`${Number(k.keyId)}:${Number(k.direction)}`, { count: Number(k.n), min: BigInt(String(k.m)) });
      cache.clear(); // one period at a time is enough (the current one)
      cache.set(period.start, stats);
    }
    const inserts: Array<[number, number, number, bigint]> = [];
    const replacements: Array<[number, number, number, bigint]> = [];
    for (const row of periodRows) {
      for (const direction of [0, 1]) {
        const bytes = direction === 0 ? row.counters.inBytes : row.counters.outBytes;
        if (bytes <= 0n) continue; // a missing value is a 0: zero padding covers it
        const id = `${row.keyId}:${direction}`;
        const s = stats.get(id);
        if (!s) {
          stats.set(id, { count: 1, min: bytes });
          inserts.push([row.keyId, direction, row.start, bytes]);
        } else if (s.count < keep) {
          s.count++;
          if (bytes < s.min) s.min = bytes;
          inserts.push([row.keyId, direction, row.start, bytes]);
        } else if (bytes > s.min) {
          replacements.push([row.keyId, direction, row.start, bytes]);
        }
      }
    }
    for (let i = 0; i < inserts.length; i += 500) {
      const part = inserts.slice(i, i + 500);
      const params: unknown[] = [];
      const values = part
        .map(([keyId, direction, start, bytes]) => {
          params.push(keyId, period.start, direction, start, bytes);
          const n = params.length;
          return `(${ph(n - 4)}, ${ph(n - 3)}, ${ph(n - 2)}, ${ph(n - 1)}, ${ph(n)})`;
        })
        .join(", ");
      await tx.run(`INSERT INTO "TrafficPeak" ("keyId", "periodStart", "direction", "start", "bytes") VALUES ${values}`, params);
    }
    // A value beating the smallest kept one takes its place (rare once a period is a few days old).
    for (const [keyId, direction, start, bytes] of replacements) {
      const s = stats.get(`${keyId}:${direction}`);
      if (!s || bytes <= s.min) continue;
      const where = `"keyId" = ${ph(1)} AND "periodStart" = ${ph(2)} AND "direction" = ${ph(3)}`;
      const key = [keyId, period.start, direction];
      await tx.run(
        `DELETE FROM "TrafficPeak" WHERE ${where} AND "start" = (SELECT "start" FROM "TrafficPeak" WHERE ${where} ORDER BY "bytes", "start" LIMIT 1)`,
        kind === "postgres" ? key : [...key, ...key],
      );
      await tx.run(`INSERT INTO "TrafficPeak" ("keyId", "periodStart", "direction", "start", "bytes") VALUES (${ph(1)}, ${ph(2)}, ${ph(3)}, ${ph(4)}, ${ph(5)})`, [
        keyId,
        period.start,
        direction,
        start,
        bytes,
      ]);
      const [min] = await tx.all<{ m: unknown }>(`SELECT MIN("bytes") AS "m" FROM "TrafficPeak" WHERE ${where}`, key);
      s.min = BigInt(String(min?.m ?? bytes));
    }
  }
}

/** The period whose peaks miss part of a 5-minute bucket (rolled up early): computed from the buckets from now on. */
export async function invalidatePeaks(tx: TickWriterTx, kind: DbKind, bucketStartS: number, settings: PeakSettings, cache: PeakCache): Promise<void> {
  const ph = placeholders(kind);
  const period = billingPeriodOf(bucketStartS, settings.timeZone, settings.billingDay);
  await tx.run(`UPDATE "TrafficPeakPeriod" SET "coveredFrom" = "periodEnd" WHERE "periodStart" = ${ph(1)}`, [period.start]);
  cache.delete(period.start);
}

/** Deletes the peaks of periods that ended before `beforeS`. */
export async function deletePeaksBefore(tx: TickWriterTx, kind: DbKind, beforeS: number): Promise<number> {
  const ph = placeholders(kind);
  const deleted = await tx.run(`DELETE FROM "TrafficPeak" WHERE "periodStart" IN (SELECT "periodStart" FROM "TrafficPeakPeriod" WHERE "periodEnd" < ${ph(1)})`, [beforeS]);
  await tx.run(`DELETE FROM "TrafficPeakPeriod" WHERE "periodEnd" < ${ph(1)}`, [beforeS]);
  return deleted;
}

/** Whether the rollup kept the peaks of `period` from its start (or from before any 5-minute bucket of it). */
export async function hasCompletePeaks(db: Db, kind: DbKind, period: Period): Promise<boolean> {
  const ph = placeholders(kind);
  const [row] = await db.$queryRawUnsafe<Array<{ periodEnd: unknown; coveredFrom: unknown }>>(
    `SELECT "periodEnd", "coveredFrom" FROM "TrafficPeakPeriod" WHERE "periodStart" = ${ph(1)}`,
    period.start,
  );
  if (!row || Number(row.periodEnd) !== period.end) return false;
  const coveredFrom = Number(row.coveredFrom);
  if (coveredFrom >= period.end) return false;
  if (coveredFrom > period.start) {
    const before = await db.$queryRawUnsafe<unknown[]>(
      `SELECT 1 FROM "TrafficFiveMin" WHERE "start" >= ${ph(1)} AND "start" < ${ph(2)} LIMIT 1`,
      period.start,
      coveredFrom,
    );
    if (before.length > 0) return false;
  }
  return true;
}

/** The 95th-percentile sample (bytes in a 5-minute bucket, in and out) of each key of a bill. */
export type PercentileSample = { inBytes: bigint; outBytes: bigint };

const RANK_CHUNK = 500;

/**
 * The percentile samples of `plans` (key, rank) in `period` from the peaks
 * and the 5-minute buckets not yet rolled up; null when the period's peaks
 * are not complete (the caller computes from the 5-minute buckets).
 */
export async function readPercentilesFromPeaks(
  db: Db,
  kind: DbKind,
  period: Period,
  plans: ReadonlyArray<{ keyId: number; rank: number }>,
): Promise<Map<number, PercentileSample> | null> {
  const ph = placeholders(kind);
  if (!(await hasCompletePeaks(db, kind, period))) return null;
  const collector = await db.accountingCollector.findUnique({ where: { id: 1 }, select: { rolledUpTo: true } });
  if (collector?.rolledUpTo == null) return null;
  // The buckets the rollup has not seen yet (the current one, usually): a few per key.
  const pending = await db.$queryRawUnsafe<Array<{ keyId: unknown; inBytes: unknown; outBytes: unknown }>>(
    `SELECT "keyId", CAST("inBytes" AS TEXT) AS "inBytes", CAST("outBytes" AS TEXT) AS "outBytes" FROM "TrafficFiveMin" WHERE "start" >= ${ph(1)} AND "start" < ${ph(2)}`,
    Math.max(period.start, Number(collector.rolledUpTo)),
    period.end,
  );
  const pendingByKey = new Map<number, { in: bigint[]; out: bigint[] }>();
  for (const p of pending) {
    const entry = pendingByKey.get(Number(p.keyId)) ?? { in: [], out: [] };
    entry.in.push(BigInt(String(p.inBytes)));
    entry.out.push(BigInt(String(p.outBytes)));
    pendingByKey.set(Number(p.keyId), entry);
  }
  // The rank-th largest of (kept ∪ pending) is the (m+1)-th largest of the kept values ranked
  // rank-m … rank and the m pending ones (m = pending buckets of the key): read only those.
  const extra = Math.max(0, ...[...pendingByKey.values()].map((p) => p.in.length));
  const kept = new Map<string, bigint[]>();
  for (let i = 0; i < plans.length; i += RANK_CHUNK) {
    const part = plans.slice(i, i + RANK_CHUNK);
    const params: unknown[] = [];
    const values = part
      .map((p) => {
        params.push(p.keyId, p.rank);
        return `(CAST(${ph(params.length - 1)} AS INTEGER), CAST(${ph(params.length)} AS INTEGER))`;
      })
      .join(", ");
    params.push(period.start);
    const rows = await db.$queryRawUnsafe<Array<{ keyId: unknown; direction: unknown; bytes: unknown }>>(
      // Positions counted from the smallest (the index's order: no sort), turned into ranks from the largest.
      `WITH t("keyId", "rn") AS (VALUES ${values}), ` +
        `r AS (SELECT p."keyId" AS "keyId", p."direction" AS "direction", p."bytes" AS "bytes", ` +
        `COUNT(*) OVER (PARTITION BY p."keyId", p."direction") - ROW_NUMBER() OVER (PARTITION BY p."keyId", p."direction" ORDER BY p."bytes") + 1 AS "rn" ` +
        `FROM "TrafficPeak" p WHERE p."periodStart" = ${ph(params.length)} AND p."keyId" IN (SELECT "keyId" FROM t)) ` +
        `SELECT r."keyId" AS "keyId", r."direction" AS "direction", CAST(r."bytes" AS TEXT) AS "bytes" FROM r JOIN t ON t."keyId" = r."keyId" ` +
        `WHERE r."rn" <= t."rn" AND r."rn" >= t."rn" - ${extra}`,
      ...params,
    );
    for (const r of rows) {
      const id = `${Number(r.keyId)}:${Number(r.direction)}`;
      const list = kept.get(id) ?? [];
      list.push(BigInt(String(r.bytes)));
      kept.set(id, list);
    }
  }
  const result = new Map<number, PercentileSample>();
  for (const plan of plans) {
    const p = pendingByKey.get(plan.keyId);
    const pick = (direction: 0 | 1): bigint => {
      const own = kept.get(`${plan.keyId}:${direction}`) ?? [];
      const mine = direction === 0 ? (p?.in ?? []) : (p?.out ?? []);
      // Positions rank-extra … rank of the kept values (fewer if fewer are kept: the rest are zeros).
      const firstPosition = Math.max(1, plan.rank - extra);
      const candidates = [...own, ...mine].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
      return candidates[plan.rank - firstPosition] ?? 0n;
    };
    result.set(plan.keyId, { inBytes: pick(0), outBytes: pick(1) });
  }
  return result;
}
