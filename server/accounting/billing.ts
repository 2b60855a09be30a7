import type { Db, DbKind } from "~/server/db";

import { FIVE_MINUTES_S } from "./buckets";
import { billingPeriodOf, type Period } from "./calendar";
import { readPercentilesFromPeaks, slotsBetween } from "./peaks";
import { readKeyTotals } from "./queries";

/**
 * Billing per key per billing period (VIFDECK_BILLING_DAY, VIFDECK_ACCOUNTING_TZ):
 * total transfer, and the 95th percentile of 5-minute rates the way
 * burstable billing computes it:
 *
 * - one sample per 5-minute interval of the period the key existed in (from
 *   its first appearance, up to the end of the period or now); an interval
 *   without a bucket moved nothing and is a sample of 0;
 * - rate = bytes × 8 / 300 (bits per second);
 * - sort the samples from highest to lowest, discard the top 5 % (floor of
 *   n × 0.05), the next one is the 95th percentile;
 * - computed for `in` and `out` separately; the billable figure is the
 *   larger of the two.
 *
 * The percentile sample comes from the rollup's peaks when the period has
 * them (peaks.ts: at most 447 rows per key and direction instead of every
 * 5-minute bucket), else from every 5-minute bucket of the key. With peaks,
 * `samples` is the key's slots (its 5-minute buckets cannot outnumber them).
 */

/** The 95th percentile of `values` padded with zeros up to `slots` samples (burstable convention). */
export function percentile95(values: readonly number[], slots = values.length): number {
  const n = Math.max(slots, values.length);
  if (n === 0) return 0;
  const sorted = [...values].sort((a, b) => b - a);
  const discard = Math.floor(n * 0.05);
  return sorted[discard] ?? 0;
}

export type KeyBill = {
  key: string;
  period: Period;
  inBytes: bigint;
  outBytes: bigint;
  /** 5-minute samples the percentile ran over. */
  samples: number;
  p95InBps: number;
  p95OutBps: number;
  /** max(p95 in, p95 out). */
  p95BillableBps: number;
  quota: { metric: string; monthlyBytes: bigint; usedBytes: bigint; percent: number } | null;
};

/** Bills of a period: every key with traffic in it, or only `keys`. */
export async function computeBills(db: Db, kind: DbKind, period: Period, nowS: number, keys?: string[]): Promise<KeyBill[]> {
  const totals = await readKeyTotals(db, kind, { fromS: period.start, toS: period.end }, keys ? { keys } : {});
  const ids = totals.map((t) => t.keyId);
  const meta = await db.accountingKey.findMany({ where: { id: { in: ids } }, select: { id: true, firstSeenAt: true, quota: true } });
  const metaById = new Map(meta.map((m) => [m.id, m]));
  const slotsOf = (keyId: number) => {
    const m = metaById.get(keyId);
    const firstSeenS = m ? Math.floor(Number(m.firstSeenAt) / 1000) : period.start;
    return slotsBetween(Math.max(period.start, firstSeenS), Math.min(period.end, nowS));
  };
  // The rollup's peaks give each key's percentile sample in a few rows (peaks.ts); without them, every 5-minute bucket is read.
  const fromPeaks = await readPercentilesFromPeaks(
    db,
    kind,
    period,
    totals.map((t) => ({ keyId: t.keyId, rank: Math.floor(slotsOf(t.keyId) * 0.05) + 1 })),
  );
  const bills: KeyBill[] = [];
  for (const total of totals) {
    const slots = slotsOf(total.keyId);
    let samples = slots;
    let p95InBps: number;
    let p95OutBps: number;
    const sample = fromPeaks?.get(total.keyId);
    if (sample) {
      p95InBps = percentile95([Number(sample.inBytes * 8n) / FIVE_MINUTES_S]);
      p95OutBps = percentile95([Number(sample.outBytes * 8n) / FIVE_MINUTES_S]);
    } else {
      const rows = await db.trafficFiveMin.findMany({
        where: { keyId: total.keyId, start: { gte: BigInt(period.start), lt: BigInt(period.end) } },
        select: { inBytes: true, outBytes: true },
      });
      samples = Math.max(slots, rows.length);
      p95InBps = percentile95(rows.map((r) => Number(r.inBytes * 8n) / FIVE_MINUTES_S), slots);
      p95OutBps = percentile95(rows.map((r) => Number(r.outBytes * 8n) / FIVE_MINUTES_S), slots);
    }
    const quota = metaById.get(total.keyId)?.quota ?? null;
    const used = quota ? usedBytesOf(quota.metric, total.counters.inBytes, total.counters.outBytes) : 0n;
    bills.push({
      key: total.key,
      period,
      inBytes: total.counters.inBytes,
      outBytes: total.counters.outBytes,
      samples,
      p95InBps,
      p95OutBps,
      p95BillableBps: Math.max(p95InBps, p95OutBps),
      quota: quota
        ? { metric: quota.metric, monthlyBytes: quota.monthlyBytes, usedBytes: used, percent: percentOf(used, quota.monthlyBytes) }
        : null,
    });
  }
  return bills.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function usedBytesOf(metric: string, inBytes: bigint, outBytes: bigint): bigint {
  return metric === "in" ? inBytes : metric === "out" ? outBytes : inBytes + outBytes;
}

function percentOf(used: bigint, quota: bigint): number {
  if (quota <= 0n) return 0;
  return Number((used * 10_000n) / quota) / 100;
}

export type QuotaInput = { metric: "in" | "out" | "total"; monthlyBytes: bigint; thresholds: number[] };

/** Sets (or replaces) a key's monthly quota; thresholds are percents, e.g. [80, 90, 100]. */
export async function setQuota(db: Db, key: string, quota: QuotaInput): Promise<void> {
  const row = await db.accountingKey.findUniqueOrThrow({ where: { key }, select: { id: true } });
  const thresholds = [...new Set(quota.thresholds)].filter((t) => Number.isInteger(t) && t > 0 && t <= 1000).sort((a, b) => a - b).join(",");
  const data = { metric: quota.metric, monthlyBytes: quota.monthlyBytes, thresholds };
  await db.accountingQuota.upsert({ where: { keyId: row.id }, create: { keyId: row.id, ...data }, update: data });
}

export type QuotaAlert = { key: string; periodStart: number; threshold: number; usedBytes: bigint; quotaBytes: bigint; at: number };

/**
 * Records an alert for every quota threshold crossed in the current billing
 * period that has none yet (one per key, period and threshold); returns the
 * new ones. The collector runs it with its maintenance.
 */
export async function checkQuotas(db: Db, kind: DbKind, settings: { timeZone: string; billingDay: number }, nowMs: number): Promise<QuotaAlert[]> {
  const quotas = await db.accountingQuota.findMany({ include: { key: { select: { key: true } } } });
  if (quotas.length === 0) return [];
  const period = billingPeriodOf(Math.floor(nowMs / 1000), settings.timeZone, settings.billingDay);
  const totals = await readKeyTotals(db, kind, { fromS: period.start, toS: period.end }, { keys: quotas.map((q) => q.key.key) });
  const byKey = new Map(totals.map((t) => [t.key, t.counters]));
  const alerts: QuotaAlert[] = [];
  for (const quota of quotas) {
    const counters = byKey.get(quota.key.key);
    const used = counters ? usedBytesOf(quota.metric, counters.inBytes, counters.outBytes) : 0n;
    for (const threshold of quota.thresholds.split(",").map(Number).filter((t) => t > 0)) {
      if (used * 100n < quota.monthlyBytes * BigInt(threshold)) continue;
      const exists = await db.accountingAlert.findUnique({
        where: { keyId_periodStart_threshold: { keyId: quota.keyId, periodStart: BigInt(period.start), threshold } },
      });
      if (exists) continue;
      await db.accountingAlert.create({
        data: { keyId: quota.keyId, periodStart: BigInt(period.start), threshold, at: BigInt(nowMs), usedBytes: used, quotaBytes: quota.monthlyBytes },
      });
      alerts.push({ key: quota.key.key, periodStart: period.start, threshold, usedBytes: used, quotaBytes: quota.monthlyBytes, at: nowMs });
    }
  }
  return alerts;
}
