import type { Db, DbKind } from "~/server/db";

import { checkQuotas, type QuotaAlert } from "./billing";
import type { AccountingSettings } from "./settings";

/**
 * Retention and compaction, run by the collector between ticks (every few
 * minutes). Coarser resolutions are written by every tick (see buckets.ts),
 * so compacting is deleting what each resolution no longer keeps: fine
 * buckets after 24 h, 5-minute after 40 days, hourly after 13 months, daily
 * never (by default); closed incarnations, gaps and events live as long as the
 * hourly buckets. SQLite then checkpoints its WAL so the file does not grow.
 */
export type MaintenanceReport = { deleted: Record<string, number>; alerts: QuotaAlert[] };

export async function runMaintenance(db: Db, kind: DbKind, settings: AccountingSettings, nowMs: number): Promise<MaintenanceReport> {
  const nowS = Math.floor(nowMs / 1000);
  const before = (seconds: number) => ({ start: { lt: BigInt(nowS - seconds) } });
  const deleted: Record<string, number> = {};
  deleted.fine = (await db.trafficFine.deleteMany({ where: before(settings.retention.fineS) })).count;
  deleted.fiveMin = (await db.trafficFiveMin.deleteMany({ where: before(settings.retention.fiveMinS) })).count;
  deleted.hour = (await db.trafficHour.deleteMany({ where: before(settings.retention.hourS) })).count;
  if (settings.retention.dayS !== null) deleted.day = (await db.trafficDay.deleteMany({ where: before(settings.retention.dayS) })).count;
  const historyCutMs = BigInt(nowMs - settings.retention.hourS * 1000);
  deleted.incarnations = (await db.accountingIncarnation.deleteMany({ where: { endedAt: { lt: historyCutMs } } })).count;
  deleted.gaps = (await db.accountingGap.deleteMany({ where: { toAt: { lt: historyCutMs } } })).count;
  deleted.events = (await db.accountingEvent.deleteMany({ where: { at: { lt: historyCutMs } } })).count;
  if (kind === "sqlite") await db.$queryRawUnsafe("PRAGMA wal_checkpoint(PASSIVE)");
  const alerts = await checkQuotas(db, kind, settings, nowMs);
  return { deleted, alerts };
}
