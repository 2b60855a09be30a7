import type { Db } from "~/server/db";

import { checkQuotas, type QuotaAlert } from "./billing";
import type { AccountingSettings } from "./settings";
import type { AccountingStore } from "./store";

/**
 * Retention and compaction, run by the collector between ticks (every few
 * minutes): first the rollup of the complete 5-minute buckets into the hourly
 * and daily ones (store.ts), then deleting what each resolution no longer
 * keeps: fine buckets after 24 h, 5-minute after 40 days, hourly after 13
 * months, daily never (by default); closed incarnations, gaps and events live
 * as long as the hourly buckets. SQLite then checkpoints its WAL so the file
 * does not grow.
 *
 * The cutoffs are rounded down to the hour (fine buckets) or the UTC day (the
 * others), so each resolution keeps at least its retention and the deletes
 * come in batches: an hour of fine buckets at once is a few pages per key,
 * where five minutes every five minutes rewrote every key's oldest page each
 * time (the tables are ordered by key).
 */
const HOUR_S = 3600;
const DAY_S = 86_400;
const floorTo = (epochS: number, stepS: number) => Math.floor(epochS / stepS) * stepS;

export type MaintenanceReport = { deleted: Record<string, number>; alerts: QuotaAlert[] };

export async function runMaintenance(db: Db, store: AccountingStore, settings: AccountingSettings, nowMs: number): Promise<MaintenanceReport> {
  const nowS = Math.floor(nowMs / 1000);
  const buckets = await store.deleteExpiredBuckets({
    fine: floorTo(nowS - settings.retention.fineS, HOUR_S),
    "5m": floorTo(nowS - settings.retention.fiveMinS, DAY_S),
    hour: floorTo(nowS - settings.retention.hourS, DAY_S),
    day: settings.retention.dayS === null ? null : floorTo(nowS - settings.retention.dayS, DAY_S),
  });
  const deleted: Record<string, number> = { fine: buckets.fine, fiveMin: buckets["5m"], hour: buckets.hour };
  if (settings.retention.dayS !== null) deleted.day = buckets.day;
  const historyCutMs = BigInt(nowMs - settings.retention.hourS * 1000);
  deleted.incarnations = (await db.accountingIncarnation.deleteMany({ where: { endedAt: { lt: historyCutMs } } })).count;
  deleted.gaps = (await db.accountingGap.deleteMany({ where: { toAt: { lt: historyCutMs } } })).count;
  deleted.events = (await db.accountingEvent.deleteMany({ where: { at: { lt: historyCutMs } } })).count;
  if (store.kind === "sqlite") await db.$queryRawUnsafe("PRAGMA wal_checkpoint(PASSIVE)");
  const alerts = await checkQuotas(db, store.kind, settings, nowMs);
  return { deleted, alerts };
}
