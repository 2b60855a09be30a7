import type { Db } from "~/server/db";

import { checkQuotas, type QuotaAlert } from "./billing";
import type { AccountingSettings } from "./settings";
import type { AccountingStore } from "./store";

/**
 * Retention and compaction, run by the collector between ticks (every few
 * minutes): first the rollup of the complete 5-minute buckets into the hourly
 * and daily ones (store.ts), then deleting what each resolution no longer
 * keeps, key by key along the primary key: fine buckets after 24 h, 5-minute
 * after 40 days, hourly after 13 months, daily never (by default); closed
 * incarnations, gaps and events live as long as the hourly buckets. SQLite
 * then checkpoints its WAL so the file does not grow.
 */
export type MaintenanceReport = { deleted: Record<string, number>; alerts: QuotaAlert[] };

export async function runMaintenance(db: Db, store: AccountingStore, settings: AccountingSettings, nowMs: number): Promise<MaintenanceReport> {
  const nowS = Math.floor(nowMs / 1000);
  const buckets = await store.deleteExpiredBuckets({
    fine: nowS - settings.retention.fineS,
    "5m": nowS - settings.retention.fiveMinS,
    hour: nowS - settings.retention.hourS,
    day: settings.retention.dayS === null ? null : nowS - settings.retention.dayS,
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
