import type { Db, DbKind } from "~/server/db";

import { BUCKET_TABLES, FIVE_MINUTES_S, HOUR_S, type Resolution } from "./buckets";
import { KEY_COUNTER_NAMES, zeroKeyCounters, type KeyCategory, type KeyCounters } from "./identity";
import { placeholderFor } from "./store";

/**
 * Reading the counter store: series for charts, totals per key over a
 * range, top keys, host totals, incarnation history. Ranges are epoch
 * seconds, [from, to): a bucket belongs to a range when it starts inside it.
 */

export type SeriesPoint = { start: number; counters: KeyCounters };

/** The coarsest resolution that still gives a useful chart of the range (about 300–3,000 points). */
export function resolutionForRange(fromS: number, toS: number): Resolution {
  const span = toS - fromS;
  if (span <= 6 * HOUR_S) return "fine";
  if (span <= 8 * 24 * HOUR_S) return "5m";
  if (span <= 120 * 24 * HOUR_S) return "hour";
  return "day";
}

function countersOf(row: Record<string, unknown>): KeyCounters {
  const counters = zeroKeyCounters();
  for (const name of KEY_COUNTER_NAMES) counters[name] = BigInt(String(row[name] ?? 0));
  return counters;
}

/** One key's buckets in a range, oldest first (missing buckets had no traffic), current to the last tick (bucketSource). */
export async function readSeries(db: Db, kind: DbKind, key: string, fromS: number, toS: number, resolution = resolutionForRange(fromS, toS)): Promise<{ resolution: Resolution; points: SeriesPoint[] }> {
  const ph = placeholderFor(kind);
  const row = await db.accountingKey.findUnique({ where: { key }, select: { id: true } });
  if (!row) return { resolution, points: [] };
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT b."start" AS "start", ${SUMS} FROM ${bucketSource(resolution, { keyIds: [row.id], fromS, toS })} b ` +
      `WHERE b."keyId" = ${ph(1)} AND b."start" >= ${ph(2)} AND b."start" < ${ph(3)} GROUP BY b."start" ORDER BY b."start"`,
    row.id,
    fromS,
    toS,
  );
  return { resolution, points: rows.map((r) => ({ start: Number(r.start), counters: countersOf(r) })) };
}

export type KeyTotal = {
  keyId: number;
  key: string;
  kind: string;
  category: KeyCategory;
  domain: string | null;
  devid: number | null;
  vifname: string | null;
  bridge: string | null;
  counters: KeyCounters;
};

const COUNTER_LIST = KEY_COUNTER_NAMES.map((name) => `"${name}"`).join(", ");
const SUMS = KEY_COUNTER_NAMES.map((name) => `CAST(SUM(b."${name}") AS TEXT) AS "${name}"`).join(", ");

/**
 * Where the pending fine buckets start: the collector's rolledUpTo, in a store
 * whose ticks write fine buckets only (store.ts); NULL (nothing pending)
 * before the first tick or in a store the collector has not converted yet.
 */
const PENDING_FROM = `(SELECT CASE WHEN c."fiveMinFromFine" THEN c."rolledUpTo" END FROM "AccountingCollector" c WHERE c."id" = 1)`;

const floorFiveMin = (epochS: number) => Math.floor(epochS / FIVE_MINUTES_S) * FIVE_MINUTES_S;

/**
 * Above this many keys, a keyed read scans the range's rows of every key
 * instead of seeking each key's. A seek costs about one probe per bucket
 * start and key (~13 µs a start for one key on SQLite: a 6-hour chart in
 * 28 ms at 8,000 keys, scripts/bench/accounting-queries.bench.ts), a scan
 * about a row read per key and start: 16 keys (a domain's vifs) cost what a
 * scan of a host with a thousand keys costs, and far less at 8,000.
 */
export const MAX_SEEK_KEYS = 16;

/** An integer for a statement's text (ids and epoch seconds only: never user text). */
function literal(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/**
 * One or a few keys' fine buckets from `fromS` on (and from `pendingOnly`'s
 * bound on), for a FROM: TrafficFine is time first (a tick's rows together),
 * so instead of scanning every key's rows of the range it seeks each bucket
 * start in turn (the next start after the last one, one probe of the primary
 * key each) and then each key's row at that start.
 */
function seekFineRows(keyIds: readonly number[], fromS: number, toS: number, pendingOnly: boolean): string {
  const from = `"start" >= ${literal(fromS)}${pendingOnly ? ` AND "start" >= ${PENDING_FROM}` : ""}`;
  return (
    `(WITH RECURSIVE "fineStarts"("s") AS (` +
    `SELECT MIN("start") FROM "${BUCKET_TABLES.fine}" WHERE ${from} ` +
    `UNION ALL SELECT (SELECT MIN(n."start") FROM "${BUCKET_TABLES.fine}" n WHERE n."start" > "fineStarts"."s") FROM "fineStarts" WHERE "fineStarts"."s" < ${literal(toS)}) ` +
    `SELECT f."keyId" AS "keyId", f."start" AS "start", ${KEY_COUNTER_NAMES.map((name) => `f."${name}" AS "${name}"`).join(", ")} ` +
    `FROM "fineStarts" JOIN "${BUCKET_TABLES.fine}" f ON f."start" = "fineStarts"."s" WHERE f."keyId" IN (${keyIds.map(literal).join(", ")}))`
  );
}

/**
 * The rows of a resolution's buckets, for a query's FROM (alias it), current
 * to the collector's last tick: the 5-minute buckets with the one the rollup
 * has not written yet, summed from the pending fine buckets (so totals from
 * them — this month's bills, the accounting table — are current). The hourly
 * and daily ones trail by up to five minutes. One statement reads both tables
 * in one snapshot, so a rollup committing meanwhile counts them once. A
 * bucket may come as several rows (a 5-minute one's stored part and its
 * pending ones): sum per bucket.
 *
 * `keyed`: the query reads only these keys in [fromS, toS) (it still filters
 * them itself): with a few keys, their fine rows are sought rather than
 * scanned (seekFineRows).
 */
export function bucketSource(resolution: Resolution, keyed?: { keyIds: readonly number[]; fromS: number; toS: number }): string {
  const seek = keyed && keyed.keyIds.length > 0 && keyed.keyIds.length <= MAX_SEEK_KEYS ? keyed : null;
  if (resolution === "fine") {
    return seek ? seekFineRows(seek.keyIds, seek.fromS, seek.toS, false) : `"${BUCKET_TABLES.fine}"`;
  }
  if (resolution === "5m") {
    // A pending fine bucket is in the range when its 5-minute bucket starts in it.
    const pending = seek
      ? seekFineRows(seek.keyIds, floorFiveMin(seek.fromS), floorFiveMin(seek.toS + FIVE_MINUTES_S - 1), true)
      : `(SELECT * FROM "${BUCKET_TABLES.fine}" WHERE "start" >= ${PENDING_FROM})`;
    return (
      `(SELECT "keyId", "start", ${COUNTER_LIST} FROM "${BUCKET_TABLES["5m"]}" UNION ALL ` +
      `SELECT p."keyId", (p."start" / 300) * 300 AS "start", ${KEY_COUNTER_NAMES.map((name) => `p."${name}"`).join(", ")} FROM ${pending} p)`
    );
  }
  return `"${BUCKET_TABLES[resolution]}"`;
}

/**
 * Totals per key over a range, from one resolution's buckets (days by
 * default: exact for ranges on day boundaries in the accounting time zone).
 * `order` sorts by in+out (the top keys); `limit` cuts. With a limit the keys
 * are ranked first on the two byte sums alone (no join, two sums instead of
 * eight: the month's top 20 of 8,000 keys reads 240,000 daily rows), then the
 * eight sums are read for the winners only.
 */
export async function readKeyTotals(
  db: Db,
  kind: DbKind,
  range: { fromS: number; toS: number },
  options: { resolution?: Resolution; keys?: string[]; limit?: number; order?: "total" | "in" | "out" } = {},
): Promise<KeyTotal[]> {
  const ph = placeholderFor(kind);
  const table = bucketSource(options.resolution ?? "day");
  const params: unknown[] = [range.fromS, range.toS];
  let join = "";
  let filter = "";
  if (options.keys) {
    if (options.keys.length === 0) return [];
    join = ` JOIN "AccountingKey" k ON k."id" = b."keyId"`;
    filter = ` AND k."key" IN (${options.keys.map((k) => (params.push(k), ph(params.length))).join(", ")})`;
  }
  // One sum for the total (PostgreSQL sums bigints as numeric: one sum is half the work of two).
  const orderExpr =
    options.order === "in" ? `SUM(b."inBytes")` : options.order === "out" ? `SUM(b."outBytes")` : `SUM(b."inBytes" + b."outBytes")`;
  let rows: Array<Record<string, unknown>>;
  if (options.limit) {
    const ranked = await db.$queryRawUnsafe<Array<{ keyId: unknown }>>(
      `SELECT b."keyId" AS "keyId" FROM ${table} b${join} WHERE b."start" >= ${ph(1)} AND b."start" < ${ph(2)}${filter} ` +
        `GROUP BY b."keyId" ORDER BY ${orderExpr} DESC, b."keyId" LIMIT ${Math.max(1, Math.floor(options.limit))}`,
      ...params,
    );
    const ids = ranked.map((r) => Number(r.keyId));
    if (ids.length === 0) return [];
    const sums = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT b."keyId" AS "keyId", ${SUMS} FROM ${table} b WHERE b."keyId" IN (${ids.map((id) => Number(id)).join(", ")}) ` +
        `AND b."start" >= ${ph(1)} AND b."start" < ${ph(2)} GROUP BY b."keyId"`,
      range.fromS,
      range.toS,
    );
    const byId = new Map(sums.map((r) => [Number(r.keyId), r]));
    rows = ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [row] : [];
    });
  } else {
    rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT b."keyId" AS "keyId", ${SUMS} FROM ${table} b${join} ` +
        `WHERE b."start" >= ${ph(1)} AND b."start" < ${ph(2)}${filter} GROUP BY b."keyId" ORDER BY ${orderExpr} DESC, b."keyId"`,
      ...params,
    );
  }
  const ids = rows.map((r) => Number(r.keyId));
  const keys = await db.accountingKey.findMany({ where: { id: { in: ids } } });
  const byId = new Map(keys.map((k) => [k.id, k]));
  return rows.flatMap((r) => {
    const k = byId.get(Number(r.keyId));
    if (!k) return [];
    return [
      {
        keyId: k.id,
        key: k.key,
        kind: k.kind,
        category: k.category as KeyCategory,
        domain: k.domain,
        devid: k.devid,
        vifname: k.vifname,
        bridge: k.bridge,
        counters: countersOf(r),
      },
    ];
  });
}

export type CumulativeTotal = Omit<KeyTotal, "keyId"> & { id: number };

/**
 * Every key's cumulative totals since it was first seen, current to the
 * collector's last tick: the totals stored on the key (rolled up to
 * rolledUpTo, store.ts) plus its pending fine buckets. One statement,
 * so a rollup committing meanwhile cannot count a bucket twice or not at all.
 */
export async function readCumulativeTotals(db: Db): Promise<CumulativeTotal[]> {
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT k."id" AS "id", k."key" AS "key", k."kind" AS "kind", k."category" AS "category", k."domain" AS "domain", k."devid" AS "devid", ` +
      `k."vifname" AS "vifname", k."bridge" AS "bridge", ` +
      `${KEY_COUNTER_NAMES.map((name) => `CAST(k."${name}" + COALESCE(p."${name}", 0) AS TEXT) AS "${name}"`).join(", ")} ` +
      `FROM "AccountingKey" k LEFT JOIN (SELECT f."keyId" AS "keyId", ${KEY_COUNTER_NAMES.map((name) => `SUM(f."${name}") AS "${name}"`).join(", ")} ` +
      `FROM "${BUCKET_TABLES.fine}" f WHERE f."start" >= ${PENDING_FROM} GROUP BY f."keyId") p ON p."keyId" = k."id" ORDER BY k."key"`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    key: String(r.key),
    kind: String(r.kind),
    category: String(r.category) as KeyCategory,
    domain: r.domain === null ? null : String(r.domain),
    devid: r.devid === null ? null : Number(r.devid),
    vifname: r.vifname === null ? null : String(r.vifname),
    bridge: r.bridge === null ? null : String(r.bridge),
    counters: countersOf(r),
  }));
}

export type HostTotals = {
  /** What left and entered the host: its physical NICs (in = received from the network). */
  uplinks: KeyCounters;
  /** Sum of every guest key (in = received by guests). */
  guests: KeyCounters;
  /** The bridges' own traffic (to and from dom0's stack), never added to their ports. */
  bridges: KeyCounters;
  /** dom0's vif0.* and other host interfaces (tap*, …). */
  dom0: KeyCounters;
  other: KeyCounters;
};

/**
 * Host totals by kind of interface. They are kept apart and never summed:
 * a frame a guest sends to the network crosses its vif, the bridge and the
 * NIC, so adding a bridge or the NICs to the guests would count it twice.
 */
export async function readHostTotals(db: Db, kind: DbKind, range: { fromS: number; toS: number }, resolution: Resolution = "day"): Promise<HostTotals> {
  const ph = placeholderFor(kind);
  const table = bucketSource(resolution);
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT k."category" AS "category", ${SUMS} FROM ${table} b JOIN "AccountingKey" k ON k."id" = b."keyId" ` +
      `WHERE b."start" >= ${ph(1)} AND b."start" < ${ph(2)} GROUP BY k."category"`,
    range.fromS,
    range.toS,
  );
  const totals: HostTotals = { uplinks: zeroKeyCounters(), guests: zeroKeyCounters(), bridges: zeroKeyCounters(), dom0: zeroKeyCounters(), other: zeroKeyCounters() };
  for (const row of rows) {
    const c = countersOf(row);
    const target =
      row.category === "physical" ? totals.uplinks : row.category === "guest" ? totals.guests : row.category === "bridge" ? totals.bridges : row.category === "dom0" ? totals.dom0 : totals.other;
    for (const name of KEY_COUNTER_NAMES) target[name] += c[name];
  }
  return totals;
}

export type IncarnationHistoryEntry = {
  kernelName: string;
  ifindex: number;
  domid: number | null;
  mac: string | null;
  bridge: string | null;
  firstSeenAt: number;
  lastSeenAt: number;
  endedAt: number | null;
  endReason: string | null;
};

/** "web1 was vif6.0 until 10:02, vif7.0 since 10:03": a key's incarnations, newest first. */
export async function readIncarnationHistory(db: Db, key: string, limit = 100): Promise<IncarnationHistoryEntry[]> {
  const row = await db.accountingKey.findUnique({ where: { key }, select: { id: true } });
  if (!row) return [];
  const rows = await db.accountingIncarnation.findMany({ where: { keyId: row.id }, orderBy: { firstSeenAt: "desc" }, take: limit });
  // An open incarnation was in the collector's last sample (a missing one is closed), and its row is
  // not rewritten every tick (the last counters go to the collector row): it was last seen then.
  const collector = rows.some((r) => r.endedAt === null) ? await db.accountingCollector.findUnique({ where: { id: 1 }, select: { lastTickAt: true } }) : null;
  const lastTickAt = collector ? Number(collector.lastTickAt) : 0;
  return rows.map((r) => ({
    kernelName: r.kernelName,
    ifindex: r.ifindex,
    domid: r.domid,
    mac: r.mac,
    bridge: r.bridge,
    firstSeenAt: Number(r.firstSeenAt),
    lastSeenAt: r.endedAt === null ? Math.max(Number(r.lastSeenAt), lastTickAt) : Number(r.lastSeenAt),
    endedAt: r.endedAt === null ? null : Number(r.endedAt),
    endReason: r.endReason,
  }));
}

/** Rates in bits per second of a 5-minute bucket's bytes. */
export function bitsPerSecondOf(bytes: bigint, seconds = FIVE_MINUTES_S): number {
  return Number(bytes * 8n) / seconds;
}
