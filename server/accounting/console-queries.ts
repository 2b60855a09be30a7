import type { Db, DbKind } from "~/server/db";

import { computeBills, percentile95, type KeyBill } from "./billing";
import { hasCompletePeaks } from "./peaks";
import { FIVE_MINUTES_S, type Resolution } from "./buckets";
import type { Period } from "./calendar";
import { MAX_SEEK_KEYS, bucketSource, readKeyTotals } from "./queries";
import { placeholderFor } from "./store";

/**
 * Reads the web console needs on top of queries.ts: series summed over a
 * selection of keys (one key, a domain's keys, the guest vifs on a bridge,
 * every guest), the top domains/bridges/keys of a range, the fine buckets
 * written since a cursor (the live chart), the key picker, and the bills of
 * a billing period in a few queries instead of one per key.
 *
 * Directions follow the store (identity.ts): for guest keys `in` is what the
 * guest received and `out` what it sent — "as seen from the guest".
 * Times are epoch seconds; ranges are [fromS, toS).
 */

/** The bridge name the console uses for guest vifs on no bridge (route and nat hosts). */
export const ROUTED_BRIDGE = "(routed)";

export type SelectorKind = "key" | "domain" | "bridge" | "guests";
/** A set of keys whose buckets are summed: one key, a domain's guest keys, the guest keys on a bridge, every guest key. */
export type Selector = { by: SelectorKind; name: string };

export type BucketSum = { start: number; inBytes: bigint; outBytes: bigint };

function selectorFilter(selector: Selector, ph: (index: number) => string, params: unknown[]): string {
  switch (selector.by) {
    case "key":
      params.push(selector.name);
      return `k."key" = ${ph(params.length)}`;
    case "domain":
      params.push(selector.name);
      return `k."kind" = 'guest' AND k."domain" = ${ph(params.length)}`;
    case "bridge":
      if (selector.name === ROUTED_BRIDGE) return `k."kind" = 'guest' AND k."bridge" IS NULL`;
      params.push(selector.name);
      return `k."kind" = 'guest' AND k."bridge" = ${ph(params.length)}`;
    case "guests":
      return `k."kind" = 'guest'`;
  }
}

/** One selector's buckets of a resolution in [fromS, toS), summed per bucket start, oldest first (missing buckets moved nothing). */
export async function readSelectorBuckets(
  db: Db,
  kind: DbKind,
  selector: Selector,
  range: { fromS: number; toS: number },
  resolution: Resolution,
): Promise<BucketSum[]> {
  const ph = placeholderFor(kind);
  const params: unknown[] = [range.fromS, range.toS];
  const filter = selectorFilter(selector, ph, params);
  // A selector of a few keys (a key, a domain) seeks their rows of the fine buckets (bucketSource);
  // the hourly and daily tables are ordered by key already.
  let keyed: { keyIds: number[]; fromS: number; toS: number } | undefined;
  if (resolution === "fine" || resolution === "5m") {
    const keys = await db.$queryRawUnsafe<Array<{ id: unknown }>>(
      `SELECT k."id" AS "id" FROM "AccountingKey" k WHERE ${selectorFilter(selector, ph, [])} LIMIT ${MAX_SEEK_KEYS + 1}`,
      ...params.slice(2),
    );
    keyed = { keyIds: keys.map((k) => Number(k.id)), fromS: range.fromS, toS: range.toS };
  }
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT CAST(b."start" AS TEXT) AS "start", CAST(SUM(b."inBytes") AS TEXT) AS "inBytes", CAST(SUM(b."outBytes") AS TEXT) AS "outBytes" ` +
      `FROM ${bucketSource(resolution, keyed)} b JOIN "AccountingKey" k ON k."id" = b."keyId" ` +
      `WHERE b."start" >= ${ph(1)} AND b."start" < ${ph(2)} AND ${filter} GROUP BY b."start" ORDER BY b."start"`,
    ...params,
  );
  return rows.map((r) => ({ start: Number(r.start), inBytes: BigInt(String(r.inBytes ?? 0)), outBytes: BigInt(String(r.outBytes ?? 0)) }));
}

export type GroupTotal = { name: string; inBytes: bigint; outBytes: bigint };

/**
 * The guest groups (domains, bridges, or keys) that moved the most in a range,
 * by in + out, from one resolution's buckets. Host keys (bridges' own traffic,
 * NICs) are left out: the groups are made of guest vifs only.
 */
export async function readTopGroups(
  db: Db,
  kind: DbKind,
  by: "key" | "domain" | "bridge",
  range: { fromS: number; toS: number },
  options: { resolution: Resolution; limit: number },
): Promise<GroupTotal[]> {
  const ph = placeholderFor(kind);
  const column = by === "key" ? `k."key"` : by === "domain" ? `k."domain"` : `COALESCE(k."bridge", '${ROUTED_BRIDGE}')`;
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT ${column} AS "name", CAST(SUM(b."inBytes") AS TEXT) AS "inBytes", CAST(SUM(b."outBytes") AS TEXT) AS "outBytes" ` +
      `FROM ${bucketSource(options.resolution)} b JOIN "AccountingKey" k ON k."id" = b."keyId" ` +
      `WHERE b."start" >= ${ph(1)} AND b."start" < ${ph(2)} AND k."kind" = 'guest' ` +
      `GROUP BY ${column} ORDER BY SUM(b."inBytes") + SUM(b."outBytes") DESC, ${column} LIMIT ${Math.max(1, Math.floor(options.limit))}`,
    range.fromS,
    range.toS,
  );
  return rows.map((r) => ({ name: String(r.name), inBytes: BigInt(String(r.inBytes ?? 0)), outBytes: BigInt(String(r.outBytes ?? 0)) }));
}

/** When the collector last stored a tick (epoch ms), or null before its first. */
export async function readLastTickAt(db: Db): Promise<number | null> {
  const row = await db.accountingCollector.findUnique({ where: { id: 1 }, select: { lastTickAt: true } });
  return row ? Number(row.lastTickAt) : null;
}

export type KeyListEntry = {
  key: string;
  kind: string;
  category: string;
  domain: string | null;
  devid: number | null;
  vifname: string | null;
  bridge: string | null;
  lastSeenAt: number;
};

/** Keys for the console's picker: guest keys first, then host keys; `search` matches the key or the domain. */
export async function listAccountingKeys(db: Db, options: { search?: string; limit: number; guestsOnly?: boolean }): Promise<KeyListEntry[]> {
  const search = options.search?.trim();
  const rows = await db.accountingKey.findMany({
    where: {
      ...(options.guestsOnly ? { kind: "guest" } : {}),
      ...(search ? { OR: [{ key: { contains: search } }, { domain: { contains: search } }] } : {}),
    },
    orderBy: [{ kind: "asc" }, { key: "asc" }],
    take: options.limit,
    select: { key: true, kind: true, category: true, domain: true, devid: true, vifname: true, bridge: true, lastSeenAt: true },
  });
  return rows.map((r) => ({ ...r, lastSeenAt: Number(r.lastSeenAt) }));
}

/** A key's stored attributes, or null if the store has never seen it. */
export async function readAccountingKey(db: Db, key: string): Promise<KeyListEntry | null> {
  const r = await db.accountingKey.findUnique({
    where: { key },
    select: { key: true, kind: true, category: true, domain: true, devid: true, vifname: true, bridge: true, lastSeenAt: true },
  });
  return r ? { ...r, lastSeenAt: Number(r.lastSeenAt) } : null;
}

function slotsBetween(fromS: number, toS: number): number {
  if (toS <= fromS) return 0;
  return Math.ceil(toS / FIVE_MINUTES_S) - Math.floor(fromS / FIVE_MINUTES_S);
}

const RANK_CHUNK = 500;

/**
 * The bills of a period for every key with traffic in it — the same figures
 * as billing.ts's computeBills (with `totalsFrom: "5m"`, totals up to the last
 * tick rather than the last rollup) (same totals, same zero-padded 95th percentile
 * of 5-minute rates, same quota use), in a constant number of queries: the
 * rank of each key's percentile sample is computed first, then one window
 * query per chunk of keys fetches exactly that sample.
 */
export async function computePeriodBills(
  db: Db,
  kind: DbKind,
  period: Period,
  nowS: number,
  options: { totalsFrom?: "day" | "5m" } = {},
): Promise<KeyBill[]> {
  const ph = placeholderFor(kind);
  // Daily buckets are rolled up from complete 5-minute ones, so they lag the last tick by up to
  // a few minutes; while a period is within the 5-minute retention its totals can come from there.
  const totals = await readKeyTotals(db, kind, { fromS: period.start, toS: period.end }, { resolution: options.totalsFrom ?? "day" });
  if (totals.length === 0) return [];
  // A period the rollup kept peaks for is billed from them (peaks.ts): the same figures without counting every 5-minute bucket.
  if (await hasCompletePeaks(db, kind, period)) return computeBills(db, kind, period, nowS);
  const countRows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT b."keyId" AS "keyId", COUNT(*) AS "n" FROM "TrafficFiveMin" b WHERE b."start" >= ${ph(1)} AND b."start" < ${ph(2)} GROUP BY b."keyId"`,
    period.start,
    period.end,
  );
  const counts = new Map(countRows.map((r) => [Number(r.keyId), Number(r.n)]));
  const meta = await db.accountingKey.findMany({ where: { id: { in: totals.map((t) => t.keyId) } }, select: { id: true, firstSeenAt: true, quota: true } });
  const metaById = new Map(meta.map((m) => [m.id, m]));

  type Plan = { keyId: number; samples: number; rank: number };
  const plans: Plan[] = totals.map((total) => {
    const m = metaById.get(total.keyId);
    const firstSeenS = m ? Math.floor(Number(m.firstSeenAt) / 1000) : period.start;
    const slots = slotsBetween(Math.max(period.start, firstSeenS), Math.min(period.end, nowS));
    const count = counts.get(total.keyId) ?? 0;
    const samples = Math.max(slots, count);
    return { keyId: total.keyId, samples, rank: Math.floor(samples * 0.05) + 1 };
  });

  const p95 = new Map<number, { inBytes: bigint; outBytes: bigint }>();
  const ranked = plans.filter((p) => p.rank <= (counts.get(p.keyId) ?? 0));
  for (let i = 0; i < ranked.length; i += RANK_CHUNK) {
    const part = ranked.slice(i, i + RANK_CHUNK);
    // SQLite's placeholders are positional: parameters go in the order they appear in the text.
    const params: unknown[] = [];
    const values = part
      .map((p) => {
        params.push(p.keyId, p.rank);
        return `(CAST(${ph(params.length - 1)} AS INTEGER), CAST(${ph(params.length)} AS INTEGER))`;
      })
      .join(", ");
    params.push(period.start, period.end);
    const from = ph(params.length - 1);
    const to = ph(params.length);
    const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `WITH t("keyId", "rn") AS (VALUES ${values}), ` +
        `r AS (SELECT b."keyId" AS "keyId", b."inBytes" AS "inBytes", b."outBytes" AS "outBytes", ` +
        `ROW_NUMBER() OVER (PARTITION BY b."keyId" ORDER BY b."inBytes" DESC) AS "rin", ` +
        `ROW_NUMBER() OVER (PARTITION BY b."keyId" ORDER BY b."outBytes" DESC) AS "rout" ` +
        `FROM "TrafficFiveMin" b WHERE b."start" >= ${from} AND b."start" < ${to} AND b."keyId" IN (SELECT "keyId" FROM t)) ` +
        `SELECT r."keyId" AS "keyId", ` +
        `MAX(CASE WHEN r."rin" = t."rn" THEN CAST(r."inBytes" AS TEXT) END) AS "pin", ` +
        `MAX(CASE WHEN r."rout" = t."rn" THEN CAST(r."outBytes" AS TEXT) END) AS "pout" ` +
        `FROM r JOIN t ON t."keyId" = r."keyId" WHERE r."rin" = t."rn" OR r."rout" = t."rn" GROUP BY r."keyId"`,
      ...params,
    );
    for (const row of rows) {
      p95.set(Number(row.keyId), { inBytes: BigInt(String(row.pin ?? 0)), outBytes: BigInt(String(row.pout ?? 0)) });
    }
  }

  const planById = new Map(plans.map((p) => [p.keyId, p]));
  const bills: KeyBill[] = totals.map((total) => {
    const plan = planById.get(total.keyId);
    const sample = p95.get(total.keyId);
    // percentile95 of one value keeps billing.ts's own arithmetic (bytes × 8 / 300).
    const p95InBps = sample ? percentile95([Number(sample.inBytes * 8n) / FIVE_MINUTES_S]) : 0;
    const p95OutBps = sample ? percentile95([Number(sample.outBytes * 8n) / FIVE_MINUTES_S]) : 0;
    const quota = metaById.get(total.keyId)?.quota ?? null;
    const { inBytes, outBytes } = total.counters;
    const used = quota ? (quota.metric === "in" ? inBytes : quota.metric === "out" ? outBytes : inBytes + outBytes) : 0n;
    return {
      key: total.key,
      period,
      inBytes,
      outBytes,
      samples: plan?.samples ?? 0,
      p95InBps,
      p95OutBps,
      p95BillableBps: Math.max(p95InBps, p95OutBps),
      quota: quota
        ? {
            metric: quota.metric,
            monthlyBytes: quota.monthlyBytes,
            usedBytes: used,
            percent: quota.monthlyBytes <= 0n ? 0 : Number((used * 10_000n) / quota.monthlyBytes) / 100,
          }
        : null,
    };
  });
  return bills.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
