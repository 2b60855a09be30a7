/**
 * Accounting benchmark (issue 5, item 9): query latency over 13 months of
 * data for 8,000 keys, and the database size per key per year, on SQLite and
 * PostgreSQL.
 *
 *   npx tsx scripts/bench/accounting-queries.bench.ts [--keys 8000] [--hour-keys 1000] [--size-keys 100] [--db sqlite,postgres]
 *
 * Rows are generated in bulk inside the database (a recursive CTE on SQLite,
 * generate_series on PostgreSQL), in time order — the order the collector's
 * rollups insert them, so a key's rows lie scattered over the table's pages as
 * they would after 13 months of operation:
 *
 * - daily buckets: 13 months for every key (8,000 × 395 rows);
 * - hourly buckets: 13 months for `--hour-keys` keys (default 500 × 9,480
 *   rows: 8,000 would be 76 M rows, minutes to generate). A key's 720 rows of a
 *   30-day chart are each on a page of their own either way, and the B-tree is
 *   at most one level shallower, so the one-key chart reads about what it would
 *   read at 8,000.
 *
 * - fine buckets: the last 6 hours for every key at 10 s (8,000 × 2,160 rows;
 *   a day's would be 69 M rows): TrafficFine is time first, so one key's chart
 *   seeks each of its starts among every key's rows (queries.ts).
 *
 * The queries are the product's: readSeries (the 30-day chart picks hourly
 * buckets, the 6-hour one fine buckets) and readKeyTotals (the month's top 20 keys, from daily buckets),
 * through the Prisma client. Latencies are warm-cache (the first run of each
 * is printed too); wall and CPU of this process (for SQLite the query runs in
 * this process; for PostgreSQL most of its CPU is the server's).
 *
 * Size: `--size-keys` keys with a year of steady state at the default
 * retention (fine 10 s buckets for 24 h, 5-minute for 40 days, hourly for
 * 400 days, daily for 365 days), realistic counter magnitudes, time order;
 * SQLite pages per table and its indexes (dbstat), PostgreSQL
 * pg_total_relation_size; divided by the number of keys.
 */
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import Database from "better-sqlite3";
import pg from "pg";

import { computeBills } from "~/server/accounting/billing";
import { billingPeriodOf } from "~/server/accounting/calendar";
import { peaksToKeep } from "~/server/accounting/peaks";
import { readKeyTotals, readSeries } from "~/server/accounting/queries";
import { createDb, dbKindOf, prepareDb, type Db, type DbKind } from "~/server/db";
import { migrate, pgConfigOf } from "~/server/migrate";

const { values } = parseArgs({
  options: {
    keys: { type: "string", default: "8000" },
    "hour-keys": { type: "string", default: "500" },
    "size-keys": { type: "string", default: "50" },
    db: { type: "string", default: "sqlite,postgres" },
  },
});
const KEYS = Number(values.keys);
const HOUR_KEYS = Math.min(KEYS, Number(values["hour-keys"]));
const SIZE_KEYS = Number(values["size-keys"]);
const KINDS = (values.db ?? "sqlite,postgres").split(",") as DbKind[];
const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

const DAY = 86_400;
const HOUR = 3_600;
const NOW_S = Math.floor(Date.now() / 1000 / DAY) * DAY;
const DAYS = 395;
const FROM_S = NOW_S - DAYS * DAY;
const FINE_SLOTS = (6 * HOUR) / 10;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** utime + stime of a process in ms (from /proc; 10 ms resolution). */
function cpuMsOfPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** A database of its own: a temp SQLite file, or a new PostgreSQL database; migrated. */
async function createBenchDatabase(kind: DbKind): Promise<{ url: string; exec: (sql: string) => Promise<void>; query: <T>(sql: string) => Promise<T[]>; drop: () => Promise<void> }> {
  if (kind === "sqlite") {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-qbench-"));
    const file = path.join(dir, "bench.db");
    const url = `file:${file}`;
    await migrate("deploy", { databaseUrl: url });
    const raw = new Database(file);
    raw.pragma("journal_mode = WAL");
    raw.pragma("synchronous = OFF");
    raw.pragma("cache_size = -400000");
    return {
      url,
      exec: async (sql) => void raw.exec(sql),
      query: async <T>(sql: string) => raw.prepare(sql).all() as T[],
      drop: async () => {
        raw.close();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `vifdeck_qbench_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client(pgConfigOf(POSTGRES_ADMIN_URL));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const target = new URL(POSTGRES_ADMIN_URL);
  target.pathname = `/${name}`;
  const url = target.toString();
  await migrate("deploy", { databaseUrl: url });
  const raw = new pg.Client(pgConfigOf(url));
  await raw.connect();
  return {
    url,
    exec: async (sql) => void (await raw.query(sql)),
    query: async <T>(sql: string) => (await raw.query(sql)).rows as T[],
    drop: async () => {
      await raw.end();
      const cleanup = new pg.Client(pgConfigOf(POSTGRES_ADMIN_URL));
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** `count` rows 0…count-1 as a table `name(i)`: a recursive CTE on SQLite, generate_series on PostgreSQL. */
function seriesSql(kind: DbKind, name: string, count: number): string {
  return kind === "sqlite"
    ? `${name}(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM ${name} WHERE i < ${count - 1})`
    : `${name}(i) AS (SELECT generate_series(0::bigint, ${count - 1}))`;
}

async function insertKeys(exec: (sql: string) => Promise<void>, kind: DbKind, count: number): Promise<void> {
  const first = BigInt(FROM_S) * 1000n;
  await exec(
    `WITH ${kind === "sqlite" ? "RECURSIVE " : ""}${seriesSql(kind, "n", count)} ` +
      `INSERT INTO "AccountingKey" ("id", "key", "kind", "category", "domain", "devid", "bridge", "firstSeenAt", "lastSeenAt") ` +
      `SELECT i + 1, 'guest' || (i + 1) || '/0', 'guest', 'guest', 'guest' || (i + 1), 0, 'xenbr' || (i % 4), ${first}, ${first} FROM n`,
  );
}

/**
 * Buckets of `stepS` seconds, `slots` of them from `fromS`, for keys 1…keys, in time order.
 * Bytes per bucket: bytesScale × (1 … 1000), varying per key and slot; packets about bytes / 700.
 */
async function insertBuckets(
  exec: (sql: string) => Promise<void>,
  kind: DbKind,
  table: string,
  options: { fromS: number; stepS: number; slots: number; keys: number; bytesScale: number },
): Promise<void> {
  const { fromS, stepS, slots, keys, bytesScale } = options;
  const rec = kind === "sqlite" ? "RECURSIVE " : "";
  // Time order: the slot is the outer loop (SQLite keeps CROSS JOIN's order; PostgreSQL is told).
  const order = kind === "sqlite" ? "" : ` ORDER BY t.i, k.i`;
  const inB = `(((k.i * 7919 + t.i * 104729) % 1000) + 1) * ${bytesScale}`;
  const outB = `(((k.i * 104723 + t.i * 7907) % 1000) + 1) * ${Math.round(bytesScale / 3)}`;
  await exec(
    `WITH ${rec}${seriesSql(kind, "t", slots)}, ${seriesSql(kind, "k", keys)} ` +
      `INSERT INTO "${table}" ("keyId", "start", "inBytes", "outBytes", "inPackets", "outPackets", "inDrops") ` +
      `SELECT k.i + 1, ${fromS} + t.i * ${stepS}, ${inB}, ${outB}, ${inB} / 700, ${outB} / 700, CASE WHEN (k.i + t.i) % 97 = 0 THEN 1 ELSE 0 END ` +
      `FROM t CROSS JOIN k${order}`,
  );
}

async function timed<T>(run: () => Promise<T>): Promise<{ wall: number; cpu: number; value: T }> {
  const c0 = cpuMs();
  const t0 = performance.now();
  const value = await run();
  return { wall: performance.now() - t0, cpu: cpuMs() - c0, value };
}

async function benchQueries(kind: DbKind): Promise<void> {
  const bench = await createBenchDatabase(kind);
  let db: Db | null = null;
  try {
    const gen = await timed(async () => {
      await insertKeys(bench.exec, kind, KEYS);
      await insertBuckets(bench.exec, kind, "TrafficDay", { fromS: FROM_S, stepS: DAY, slots: DAYS, keys: KEYS, bytesScale: 40_000_000 });
      await insertBuckets(bench.exec, kind, "TrafficHour", { fromS: FROM_S, stepS: HOUR, slots: DAYS * 24, keys: HOUR_KEYS, bytesScale: 2_000_000 });
      await insertBuckets(bench.exec, kind, "TrafficFine", { fromS: NOW_S - 6 * HOUR, stepS: 10, slots: FINE_SLOTS, keys: KEYS, bytesScale: 20_000 });
      if (kind === "postgres") await bench.exec("VACUUM ANALYZE");
    });
    console.log(
      `${kind}: generated ${KEYS} keys, ${(KEYS * DAYS).toLocaleString("en")} daily, ${(HOUR_KEYS * DAYS * 24).toLocaleString("en")} hourly (${HOUR_KEYS} keys) ` +
        `and ${(KEYS * FINE_SLOTS).toLocaleString("en")} fine rows in ${(gen.wall / 1000).toFixed(0)} s`,
    );
    db = createDb(bench.url);
    await prepareDb(db, bench.url);
    const dbKind = dbKindOf(bench.url);
    // PostgreSQL does the work in its server processes (on this machine): their CPU, from /proc.
    const serverCpuMs = async (): Promise<number> => {
      if (kind !== "postgres") return 0;
      const rows = await bench.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      return rows.reduce((sum, r) => sum + cpuMsOfPid(r.pid), 0);
    };
    const timedServer = async <T>(run: () => Promise<T>) => {
      const s0 = await serverCpuMs();
      const r = await timed(run);
      return { ...r, server: (await serverCpuMs()) - s0 };
    };

    // 30-day chart of one key (hourly buckets): different keys each run, as a user clicking through.
    const chart: Array<{ wall: number; cpu: number; server: number }> = [];
    for (let i = 0; i < 21; i++) {
      const key = `guest${1 + ((i * 617) % HOUR_KEYS)}/0`;
      const r = await timedServer(() => readSeries(db as Db, kind, key, NOW_S - 30 * DAY, NOW_S));
      if (r.value.resolution !== "hour" || r.value.points.length !== 720) throw new Error(`unexpected series: ${r.value.resolution}, ${r.value.points.length} points`);
      chart.push(r);
    }
    // 6-hour chart of one key (fine buckets, every start sought).
    const fineChart: Array<{ wall: number; cpu: number; server: number }> = [];
    for (let i = 0; i < 21; i++) {
      const key = `guest${1 + ((i * 617) % KEYS)}/0`;
      const r = await timedServer(() => readSeries(db as Db, kind, key, NOW_S - 6 * HOUR, NOW_S));
      if (r.value.resolution !== "fine" || r.value.points.length !== FINE_SLOTS) throw new Error(`unexpected series: ${r.value.resolution}, ${r.value.points.length} points`);
      fineChart.push(r);
    }
    // The month's top 20 keys (daily buckets of the last complete 30 days).
    const top: Array<{ wall: number; cpu: number; server: number }> = [];
    for (let i = 0; i < 7; i++) {
      const r = await timedServer(() => readKeyTotals(db as Db, dbKind, { fromS: NOW_S - 30 * DAY, toS: NOW_S }, { limit: 20 }));
      if (r.value.length !== 20) throw new Error(`top 20 returned ${r.value.length}`);
      top.push(r);
    }
    // Month-close bills of every key: the 95th percentile from the rollup's peaks (K per key and
    // direction), generated for the last complete billing period, plus totals from the daily buckets.
    const period = billingPeriodOf(NOW_S - 32 * DAY, "UTC", 1);
    const keep = peaksToKeep(period);
    const peaksGen = await timed(async () => {
      const rec = kind === "sqlite" ? "RECURSIVE " : "";
      await bench.exec(
        `WITH ${rec}${seriesSql(kind, "j", keep)}, ${seriesSql(kind, "k", KEYS)}, ${seriesSql(kind, "d", 2)} ` +
          `INSERT INTO "TrafficPeak" ("keyId", "periodStart", "direction", "start", "bytes") ` +
          `SELECT k.i + 1, ${period.start}, d.i, ${period.start} + j.i * 300, ((k.i * 7919 + j.i * 104729 + d.i * 31) % 1000 + 1) * 300000 FROM j CROSS JOIN d CROSS JOIN k`,
      );
      await bench.exec(`INSERT INTO "TrafficPeakPeriod" ("periodStart", "periodEnd", "coveredFrom", "keep") VALUES (${period.start}, ${period.end}, ${period.start}, ${keep})`);
      await bench.exec(`INSERT INTO "AccountingCollector" ("id", "lastTickAt", "updatedAt", "rolledUpTo") VALUES (1, ${NOW_S * 1000}, ${NOW_S * 1000}, ${NOW_S})`);
      if (kind === "postgres") await bench.exec(`VACUUM ANALYZE "TrafficPeak"`);
    });
    const bills = await timedServer(() => computeBills(db as Db, dbKind, period, NOW_S));
    if (bills.value.length !== KEYS || !(bills.value[0]?.p95InBps && bills.value[0].p95InBps > 0)) throw new Error(`bills: ${bills.value.length}`);
    console.log(
      `  month-close bills of ${KEYS} keys (${period.label}, 95th percentile from ${(KEYS * keep * 2).toLocaleString("en")} peak rows, generated in ${(peaksGen.wall / 1000).toFixed(0)} s): ` +
        `wall ${(bills.wall / 1000).toFixed(1)} s, cpu (this process) ${(bills.cpu / 1000).toFixed(1)} s` +
        (kind === "postgres" ? `, server cpu ${(bills.server / 1000).toFixed(1)} s` : ""),
    );

    const show = (xs: Array<{ wall: number; cpu: number; server: number }>) =>
      `first ${xs[0]?.wall.toFixed(1)} ms; then median wall ${median(xs.slice(1).map((x) => x.wall)).toFixed(1)} ms, cpu (this process) ${median(xs.slice(1).map((x) => x.cpu)).toFixed(1)} ms` +
      (kind === "postgres" ? `, server cpu ${median(xs.slice(1).map((x) => x.server)).toFixed(0)} ms (10 ms ticks)` : "");
    console.log(`  30-day chart of one key (720 hourly points; goal < 100 ms): ${show(chart)}`);
    console.log(`  6-hour chart of one key (${FINE_SLOTS.toLocaleString("en")} fine points among ${KEYS.toLocaleString("en")} keys' rows; goal < 100 ms): ${show(fineChart)}`);
    console.log(`  month's top 20 keys (${(KEYS * 30).toLocaleString("en")} daily rows; goal < 250 ms): ${show(top)}`);
  } finally {
    await db?.$disconnect();
    await bench.drop();
  }
}

/** Bytes per table (with its indexes) for SIZE_KEYS keys holding a year of steady state. */
async function benchSize(kind: DbKind): Promise<void> {
  const bench = await createBenchDatabase(kind);
  try {
    const year = NOW_S - 365 * DAY;
    await insertKeys(bench.exec, kind, SIZE_KEYS);
    const tables = [
      { table: "TrafficFine", fromS: NOW_S - DAY, stepS: 10, slots: 8_640, bytesScale: 20_000 },
      { table: "TrafficFiveMin", fromS: NOW_S - 40 * DAY, stepS: 300, slots: 40 * 288, bytesScale: 600_000 },
      { table: "TrafficHour", fromS: NOW_S - 400 * DAY, stepS: HOUR, slots: 400 * 24, bytesScale: 7_000_000 },
      { table: "TrafficDay", fromS: year, stepS: DAY, slots: 365, bytesScale: 170_000_000 },
    ];
    for (const t of tables) await insertBuckets(bench.exec, kind, t.table, { ...t, keys: SIZE_KEYS });
    const sizeOf = async (table: string): Promise<number> => {
      if (kind === "sqlite") {
        const [row] = await bench.query<{ bytes: number }>(
          `SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name = '${table}' OR name IN (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = '${table}')`,
        );
        return Number(row?.bytes ?? 0);
      }
      await bench.exec(`VACUUM ANALYZE "${table}"`);
      const [row] = await bench.query<{ bytes: string }>(`SELECT pg_total_relation_size('"${table}"') AS bytes`);
      return Number(row?.bytes ?? 0);
    };
    let total = 0;
    const parts: string[] = [];
    for (const t of tables) {
      const bytes = await sizeOf(t.table);
      total += bytes;
      parts.push(`${t.table} ${(bytes / SIZE_KEYS / 1e6).toFixed(2)} MB (${(bytes / (SIZE_KEYS * t.slots)).toFixed(0)} B/row × ${t.slots.toLocaleString("en")})`);
    }
    const dayBytes = (await sizeOf("TrafficDay")) / SIZE_KEYS;
    console.log(
      `${kind}: database size per key after a year at the default retention: ${(total / SIZE_KEYS / 1e6).toFixed(2)} MB ` +
        `(${SIZE_KEYS} keys measured; 8,000 keys: ${((total / SIZE_KEYS) * 8000 / 1e9).toFixed(1)} GB), each further year +${(dayBytes / 1e3).toFixed(0)} kB per key\n  ${parts.join("\n  ")}`,
    );
  } finally {
    await bench.drop();
  }
}

for (const kind of KINDS) {
  await benchQueries(kind);
  await benchSize(kind);
}
