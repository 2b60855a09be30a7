import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { TInterfaceCounters } from "~/server/host/inventory";
import { SQLITE_WAL_AUTOCHECKPOINT_PAGES, type Db } from "~/server/db";
import { migrate } from "~/server/migrate";
import { DB_KINDS, createTestDatabase, type TestDatabase } from "~/server/testing/databases";

import { computeDeltas, type EngineOptions, type EngineState } from "./delta-engine";
import type { MappedInterface } from "./identity";
import { renderMetrics } from "./metrics";
import { exportRangeCsv } from "./export";
import { readCumulativeTotals, readHostTotals, readIncarnationHistory, readKeyTotals, readSeries } from "./queries";
import { createAccountingStore, fromStoredRaw, toStoredRaw, type AccountingStore } from "./store";
import { createTickWriter } from "./tick-writer";

const OPTIONS: EngineOptions = { maxBytesPerSec: 12.5e9, wrapWindowMs: 300_000, gapAfterMs: 25_000 };
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

function guest(key: string, domid: number): MappedInterface {
  return { key, kind: "guest", category: "guest", domain: key, devid: 0, vifname: key, domid, mac: "00:16:3e:00:00:01", bridge: "xenbr0" };
}
function iface(name: string, ifindex: number, rx: bigint, tx: bigint): TInterfaceCounters {
  return { name, ifindex, rxBytes: rx, txBytes: tx, rxPackets: rx / 100n, txPackets: tx / 100n, rxErrors: 0n, txErrors: 0n, rxDrops: 0n, txDrops: 0n };
}

/** The fine buckets not rolled up yet: TrafficFine's rows from the collector's rolledUpTo on. */
async function pendingFineCount(db: Db): Promise<number> {
  const collector = await db.accountingCollector.findUnique({ where: { id: 1 } });
  if (collector?.rolledUpTo == null) return 0;
  return db.trafficFine.count({ where: { start: { gte: collector.rolledUpTo } } });
}

describe("toStoredRaw", () => {
  it("round-trips unsigned 64-bit counters through a signed column", () => {
    for (const v of [0n, 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n]) expect(fromStoredRaw(toStoredRaw(v))).toBe(v);
    expect(toStoredRaw((1n << 64n) - 1n)).toBe(-1n);
  });
});

describe.each(DB_KINDS)("accounting store on %s", (kind) => {
  let database: TestDatabase;
  let store: AccountingStore;
  let state: EngineState;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "Europe/Berlin" });
    stores.push(store);
    state = (await store.loadState()).state;
  });
  const stores: AccountingStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
    await database.dispose();
  });

  /** A key's cumulative totals as /api/metrics reads them (rolled up + fine buckets since). */
  const totalsOf = async (key: string) => {
    const total = (await readCumulativeTotals(database.db)).find((k) => k.key === key);
    if (!total) throw new Error(`no key ${key}`);
    return total.counters;
  };

  const tick = async (at: number, ifaces: TInterfaceCounters[], mapping: Record<string, MappedInterface>) => {
    const finals = await store.readFinalSamples();
    const result = computeDeltas(state, { at, interfaces: ifaces }, new Map(Object.entries(mapping)), OPTIONS, finals);
    await store.recordTick(result, { writtenAt: at });
    state = result.state;
    return result;
  };

  it("stores keys, incarnations, raw state, totals and buckets, one transaction per tick", async () => {
    expect(state.lastTickAt).toBeNull();
    const m = { web1: guest("web1", 1), "vif2.0": guest("db1/0", 2) };
    await tick(T0, [iface("web1", 6, 100n, 100n), iface("vif2.0", 7, 0n, 0n)], m);
    await tick(T0 + 10_000, [iface("web1", 6, 2240n, 10464n), iface("vif2.0", 7, 50n, 70n)], m);
    // web1 reboots: new domid 3, new ifindex 27 (captures 61-63).
    await tick(T0 + 20_000, [iface("web1", 27, 504n, 626n), iface("vif2.0", 7, 50n, 70n)], { web1: guest("web1", 3), "vif2.0": guest("db1/0", 2) });

    const web1 = await database.db.accountingKey.findUniqueOrThrow({ where: { key: "web1" }, include: { incarnations: { orderBy: { firstSeenAt: "asc" } } } });
    const totals = await totalsOf("web1");
    expect(totals.inBytes).toBe(10464n - 100n + 626n);
    expect(totals.outBytes).toBe(2240n - 100n + 504n);
    // A tick writes fine buckets only: the stored totals and the coarser buckets wait for the rollup.
    expect([web1.inBytes, web1.outBytes]).toEqual([0n, 0n]);
    expect(await database.db.trafficFiveMin.count({ where: { keyId: web1.id } })).toBe(0);
    expect(await database.db.trafficFine.count({ where: { keyId: web1.id } })).toBe(2);
    // The readers are current to the last tick all the same: a fine chart, a 5-minute one, an export.
    const fine = await readSeries(database.db, kind, "web1", T0 / 1000 - 60, T0 / 1000 + 60, "fine");
    expect(fine.points.map((p) => [p.start, p.counters.inBytes])).toEqual([
      [T0 / 1000, 10464n - 100n],
      [T0 / 1000 + 10, 626n],
    ]);
    const five = await readSeries(database.db, kind, "web1", T0 / 1000 - 600, T0 / 1000 + 600, "5m");
    expect(five.points).toEqual([{ start: T0 / 1000, counters: totals }]);
    const csv = await exportRangeCsv(database.db, kind, { fromS: T0 / 1000, toS: T0 / 1000 + 300, resolution: "fine", timeZone: "UTC", keys: ["web1"] });
    expect(csv.trim().split("\r\n")).toHaveLength(3); // header and two buckets
    // Totals from 5-minute buckets (this month's bills) include the one not rolled up yet.
    const range = { fromS: T0 / 1000 - 3600, toS: T0 / 1000 + 3600 };
    const [fromFive] = await readKeyTotals(database.db, kind, range, { resolution: "5m", keys: ["web1"] });
    expect(fromFive?.counters).toEqual(totals);
    expect((await readHostTotals(database.db, kind, range, "5m")).guests.inBytes).toBe(totals.inBytes + 70n);
    expect(web1.incarnations.map((i) => [i.kernelName, i.ifindex, i.domid, i.endedAt === null])).toEqual([
      ["web1", 6, 1, false],
      ["web1", 27, 3, true],
    ]);
    expect(web1.incarnations[0]?.endReason).toBe("gone");
    expect(web1.incarnations[0]?.endedAt).toBe(BigInt(T0 + 10_000));

    // 5-minute, hourly and daily buckets and the stored totals come from the rollup: nothing before it, everything after.
    expect(await database.db.trafficDay.count({ where: { keyId: web1.id } })).toBe(0);
    expect(await store.rollUp()).toBeNull(); // the 5-minute bucket of the last tick is not complete
    expect(await store.rollUp({ includeCurrent: true })).toMatchObject({ fromS: T0 / 1000, toS: T0 / 1000 + 300 });
    const rolled = await database.db.accountingKey.findUniqueOrThrow({ where: { key: "web1" } });
    expect([rolled.inBytes, rolled.outBytes]).toEqual([totals.inBytes, totals.outBytes]);
    expect(rolled.lastSeenAt).toBe(BigInt(T0 + 20_000));
    expect(await totalsOf("web1")).toEqual(totals); // nothing counted twice
    const days = await database.db.trafficDay.findMany({ where: { keyId: web1.id } });
    expect(days.reduce((s, d) => s + d.inBytes, 0n)).toBe(totals.inBytes);
    const fives = await database.db.trafficFiveMin.findMany({ where: { keyId: web1.id } });
    expect(fives.reduce((s, d) => s + d.outBytes, 0n)).toBe(totals.outBytes);
    // The fine buckets the rollup summed are no longer pending, and the readers see each once.
    const fines = await database.db.trafficFine.findMany({ where: { keyId: web1.id }, orderBy: { start: "asc" } });
    expect(fines.map((f) => Number(f.start))).toEqual([T0 / 1000, T0 / 1000 + 10]);
    expect(await pendingFineCount(database.db)).toBe(0);
    expect(await readSeries(database.db, kind, "web1", T0 / 1000 - 60, T0 / 1000 + 60, "fine")).toEqual(fine);
    expect(await readSeries(database.db, kind, "web1", T0 / 1000 - 600, T0 / 1000 + 600, "5m")).toEqual(five);
  });

  it("restarts from the stored state: neither loses nor double-counts, and records the gap", async () => {
    const restarted = createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "Europe/Berlin" });
    stores.push(restarted);
    const loaded = await restarted.loadState();
    expect(loaded.state.lastTickAt).toBe(T0 + 20_000);
    expect(loaded.state.incarnations.get(27)?.raw.txBytes).toBe(626n);
    // Raw values updated by later ticks are what a restart loads.
    expect(loaded.state.incarnations.get(7)?.raw).toMatchObject({ rxBytes: 50n, txBytes: 70n });
    expect(loaded.state.incarnations.get(7)?.at).toBe(T0 + 20_000);
    store = restarted;
    state = loaded.state;
    // Down for an hour: the delta is exact and spread over the hour's 5-minute buckets.
    await tick(T0 + 3_620_000, [iface("web1", 27, 504n + 3_600_000n, 626n), iface("vif2.0", 7, 50n, 70n)], { web1: guest("web1", 3) });
    const web1 = await database.db.accountingKey.findUniqueOrThrow({ where: { key: "web1" } });
    expect((await totalsOf("web1")).outBytes).toBe(2240n - 100n + 504n + 3_600_000n);
    await store.rollUp({ includeCurrent: true });
    expect((await totalsOf("web1")).outBytes).toBe(2240n - 100n + 504n + 3_600_000n);
    const gaps = await database.db.accountingGap.findMany();
    expect(gaps.map((g) => [Number(g.fromAt), Number(g.toAt)])).toEqual([[T0 + 20_000, T0 + 3_620_000]]);
    const fives = await database.db.trafficFiveMin.findMany({ where: { keyId: web1.id, start: { gte: BigInt(T0 / 1000 + 300) } } });
    expect(fives.length).toBeGreaterThanOrEqual(12);
    expect(fives.reduce((s, f) => s + f.outBytes, 0n)).toBeGreaterThan(3_000_000n);
  });

  it("applies enqueued detach final counters at the next tick and clears them", async () => {
    await store.enqueueFinalSample({ at: T0 + 3_625_000, mapped: guest("db1/0", 2), counters: iface("vif2.0", 7, 80n, 100n) });
    const result = await tick(T0 + 3_630_000, [iface("web1", 27, 504n + 3_600_000n, 626n)], { web1: guest("web1", 3) });
    expect(result.closed).toMatchObject([{ ifindex: 7, reason: "detached" }]);
    const db1 = await database.db.accountingKey.findUniqueOrThrow({ where: { key: "db1/0" }, include: { incarnations: true } });
    expect((await totalsOf("db1/0")).inBytes).toBe(100n);
    expect((await totalsOf("db1/0")).outBytes).toBe(80n);
    expect(db1.incarnations[0]?.endReason).toBe("detached");
    expect(await database.db.accountingFinalSample.count()).toBe(0);
  });

  it("renames an incarnation's row on a hotplug rename, and reports open incarnations as seen at the last tick", async () => {
    const m = { web1: guest("web1", 3) };
    await tick(T0 + 3_632_000, [iface("vif3.0", 27, 504n + 3_600_000n, 700n)], { "vif3.0": guest("web1", 3) });
    expect((await readIncarnationHistory(database.db, "web1"))[0]).toMatchObject({ kernelName: "vif3.0", ifindex: 27, lastSeenAt: T0 + 3_632_000 });
    await tick(T0 + 3_634_000, [iface("web1", 27, 504n + 3_600_000n, 800n)], m);
    const history = await readIncarnationHistory(database.db, "web1");
    expect(history[0]).toMatchObject({ kernelName: "web1", ifindex: 27, endedAt: null, lastSeenAt: T0 + 3_634_000 });
    const reloaded = await createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "UTC" }).loadState();
    expect(reloaded.state.incarnations.get(27)).toMatchObject({ kernelName: "web1", at: T0 + 3_634_000, raw: { txBytes: 800n } });
  });

  it("stores raw counters above 2^63 exactly", async () => {
    const huge = (1n << 64n) - 5n;
    await tick(T0 + 3_640_000, [iface("web1", 27, 504n + 3_600_000n, 626n), iface("peth0", 2, huge, 1n)], {
      web1: guest("web1", 3),
      peth0: { key: "peth0", kind: "host", category: "physical", domain: null, devid: null, vifname: null, domid: null, mac: null, bridge: "xenbr0" },
    });
    const loaded = await createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "UTC" }).loadState();
    expect(loaded.state.incarnations.get(2)?.raw.rxBytes).toBe(huge);
  });
});

describe.each(DB_KINDS)("rollups and the collector row on %s", (kind) => {
  let database: TestDatabase;
  const stores: AccountingStore[] = [];
  const open = () => {
    const s = createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "Europe/Berlin" });
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await database.dispose();
  });

  const sums = async (table: string) => {
    const rows = await database.db.$queryRawUnsafe<Array<{ i: string | null; o: string | null }>>(
      `SELECT CAST(SUM("inBytes") AS TEXT) AS i, CAST(SUM("outBytes") AS TEXT) AS o FROM "${table}"`,
    );
    return [BigInt(rows[0]?.i ?? 0), BigInt(rows[0]?.o ?? 0)];
  };

  it("adds every 5-minute bucket to the hourly and daily ones exactly once, across restarts and an upgrade", async () => {
    let store = open();
    let state = (await store.loadState()).state;
    const m = new Map(Object.entries({ web1: guest("web1", 1) }));
    let rx = 0n;
    let tx = 0n;
    const tick = async (at: number) => {
      rx += 1_000n;
      tx += 3_000n;
      const result = computeDeltas(state, { at, interfaces: [iface("web1", 6, rx, tx)] }, m, OPTIONS);
      await store.recordTick(result, { writtenAt: at, hostname: "dom0-a" });
      state = result.state;
      return store.rollUp();
    };
    await tick(T0 - 10_000); // baseline
    const rolled = [];
    for (let i = 0; i < 70; i++) {
      rolled.push(await tick(T0 + i * 10_000));
      if (i === 40) {
        // A restarted collector continues from the stored rolledUpTo.
        store = open();
        state = (await store.loadState()).state;
      }
    }
    // Rollups ran once per completed 5-minute bucket, each from where the last one ended.
    const done = rolled.filter((r) => r !== null);
    expect(done.map((r) => [r?.fromS, r?.toS])).toEqual([0, 1, 2].map((n) => [T0 / 1000 + (n - 1) * 300, T0 / 1000 + n * 300]));
    // Hourly and daily buckets trail by the current 5-minute bucket; then include it, and the ticks
    // that still fall into it go to every resolution directly.
    const key = await database.db.accountingKey.findUniqueOrThrow({ where: { key: "web1" } });
    expect(await sums("TrafficFiveMin")).toEqual([key.inBytes, key.outBytes]);
    expect((await sums("TrafficHour"))[0]).toBe(3_000n * 61n); // the 61 ticks filed before T0 + 600 s
    await store.rollUp({ includeCurrent: true });
    await tick(T0 + 70 * 10_000);
    for (const table of ["TrafficFine", "TrafficFiveMin", "TrafficHour", "TrafficDay"]) {
      expect(await sums(table), table).toEqual([3_000n * 71n, 1_000n * 71n]);
    }
    expect(await pendingFineCount(database.db)).toBe(0); // the last tick went to every resolution directly

    // A store from before rollups (rolledUpTo null) whose coarse buckets hold everything so far.
    await database.db.accountingCollector.update({ where: { id: 1 }, data: { rolledUpTo: null, fiveMinFromFine: false } });
    store = open();
    state = (await store.loadState()).state;
    for (let i = 71; i < 100; i++) await tick(T0 + i * 10_000);
    await store.rollUp({ includeCurrent: true });
    for (const table of ["TrafficFiveMin", "TrafficHour", "TrafficDay"]) {
      expect(await sums(table), table).toEqual([3_000n * 100n, 1_000n * 100n]);
    }

    // A store whose ticks wrote the fine buckets, the 5-minute buckets and the totals (fiveMinFromFine
    // false): all complete to the last tick, the hourly and daily buckets to rolledUpTo. Made so here
    // from what the current ticks left pending after the last rollup.
    for (let i = 100; i < 129; i++) await tick(T0 + i * 10_000);
    expect(await pendingFineCount(database.db)).toBeGreaterThan(0);
    const { rolledUpTo } = await database.db.accountingCollector.findUniqueOrThrow({ where: { id: 1 } });
    const counters = ["inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops"].map((c) => `"${c}"`);
    const pendingRows = `"TrafficFine" f WHERE f."start" >= ${Number(rolledUpTo)}`;
    await database.db.$executeRawUnsafe(
      `INSERT INTO "TrafficFiveMin" ("keyId", "start", ${counters.join(", ")}) SELECT f."keyId", (f."start" / 300) * 300, ${counters.map((c) => `SUM(f.${c})`).join(", ")} ` +
        `FROM ${pendingRows} GROUP BY f."keyId", (f."start" / 300) * 300`,
    );
    await database.db.$executeRawUnsafe(
      `UPDATE "AccountingKey" SET ${counters.map((c) => `${c} = ${c} + (SELECT COALESCE(SUM(f.${c}), 0) FROM ${pendingRows} AND f."keyId" = "AccountingKey"."id")`).join(", ")}`,
    );
    await database.db.accountingCollector.update({ where: { id: 1 }, data: { fiveMinFromFine: false } });
    expect((await readCumulativeTotals(database.db))[0]?.counters.inBytes).toBe(3_000n * 129n); // nothing pending counted
    store = open();
    state = (await store.loadState()).state;
    for (let i = 129; i < 160; i++) await tick(T0 + i * 10_000);
    expect((await readCumulativeTotals(database.db))[0]?.counters.inBytes).toBe(3_000n * 160n);
    await store.rollUp({ includeCurrent: true });
    for (const table of ["TrafficFiveMin", "TrafficHour", "TrafficDay"]) {
      expect(await sums(table), table).toEqual([3_000n * 160n, 1_000n * 160n]);
    }
    const converted = await database.db.accountingKey.findUniqueOrThrow({ where: { key: "web1" } });
    expect([converted.inBytes, converted.outBytes]).toEqual([3_000n * 160n, 1_000n * 160n]);
    expect((await database.db.accountingCollector.findUniqueOrThrow({ where: { id: 1 } })).fiveMinFromFine).toBe(true);

    // The agent's host name is /api/metrics' host label.
    expect((await database.db.accountingCollector.findUniqueOrThrow({ where: { id: 1 } })).hostname).toBe("dom0-a");
    const metrics = await renderMetrics(database.db, "web-process");
    expect(metrics).toContain('vifdeck_traffic_bytes_total{host="dom0-a",key="web1"');
    expect(metrics).not.toContain("web-process");
  });

  it("retention deletes what is before each cutoff, after rolling up", async () => {
    const store = open();
    await store.loadState();
    const lastS = Math.floor(T0 / 1000) + 500;
    const deleted = await store.deleteExpiredBuckets({ fine: lastS, "5m": Math.floor(T0 / 1000) + 300, hour: null, day: null });
    expect(deleted.fine).toBeGreaterThan(0);
    expect(deleted["5m"]).toBe(2); // T0 - 300 s and T0
    expect(deleted.hour).toBe(0);
    expect(await database.db.trafficFine.count({ where: { start: { lt: BigInt(lastS) } } })).toBe(0);
    expect(await database.db.trafficFine.count()).toBeGreaterThan(0);
  });
});

describe.each(DB_KINDS)("the upgrade to time-first fine buckets on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database.dispose();
  });

  const COUNTERS = ["inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops"].map((c) => `"${c}" BIGINT NOT NULL DEFAULT 0`).join(", ");

  it("merges the pending fine buckets into TrafficFine, losing nothing and counting nothing twice", async () => {
    // The database as it was before the migration: TrafficFine key first, and the pending table.
    if (kind === "sqlite") {
      await database.db.$executeRawUnsafe(`DROP TABLE "TrafficFine"`);
      await database.db.$executeRawUnsafe(`CREATE TABLE "TrafficFine" ("keyId" INTEGER NOT NULL, "start" BIGINT NOT NULL, ${COUNTERS}, PRIMARY KEY ("keyId", "start")) WITHOUT ROWID`);
      await database.db.$executeRawUnsafe(`CREATE INDEX "TrafficFine_start_idx" ON "TrafficFine"("start")`);
      await database.db.$executeRawUnsafe(`CREATE TABLE "TrafficFinePending" ("start" BIGINT NOT NULL, "keyId" INTEGER NOT NULL, ${COUNTERS}, PRIMARY KEY ("start", "keyId")) WITHOUT ROWID`);
    } else {
      await database.db.$executeRawUnsafe(`ALTER TABLE "TrafficFine" DROP CONSTRAINT "TrafficFine_pkey", ADD CONSTRAINT "TrafficFine_pkey" PRIMARY KEY ("keyId", "start")`);
      await database.db.$executeRawUnsafe(`CREATE INDEX "TrafficFine_start_idx" ON "TrafficFine"("start")`);
      await database.db.$executeRawUnsafe(`CREATE TABLE "TrafficFinePending" ("start" BIGINT NOT NULL, "keyId" INTEGER NOT NULL, ${COUNTERS}, CONSTRAINT "TrafficFinePending_pkey" PRIMARY KEY ("start", "keyId"))`);
    }
    await database.db.$executeRawUnsafe(`DELETE FROM "_prisma_migrations" WHERE "migration_name" LIKE '%_accounting_fine_time_first'`);
    const rolledUpTo = T0 / 1000;
    const key = await database.db.accountingKey.create({
      data: { key: "web1", kind: "guest", category: "guest", firstSeenAt: BigInt(T0 - 600_000), lastSeenAt: BigInt(T0 + 20_000), inBytes: 7n },
    });
    await database.db.accountingCollector.create({
      data: { id: 1, lastTickAt: BigInt(T0 + 20_000), updatedAt: BigInt(T0 + 20_000), rolledUpTo: BigInt(rolledUpTo), fiveMinFromFine: true },
    });
    await database.db.$executeRawUnsafe(`INSERT INTO "TrafficFine" ("keyId", "start", "inBytes") VALUES (${key.id}, ${rolledUpTo - 10}, 7)`);
    await database.db.$executeRawUnsafe(`INSERT INTO "TrafficFinePending" ("keyId", "start", "inBytes") VALUES (${key.id}, ${rolledUpTo}, 100), (${key.id}, ${rolledUpTo + 10}, 20)`);

    await database.db.$disconnect(); // the migration's connection takes the database's write lock
    await migrate("deploy", { databaseUrl: database.url });

    expect((await database.db.trafficFine.findMany({ orderBy: { start: "asc" } })).map((r) => [Number(r.start), r.inBytes])).toEqual([
      [rolledUpTo - 10, 7n],
      [rolledUpTo, 100n],
      [rolledUpTo + 10, 20n],
    ]);
    if (kind === "sqlite") {
      // Stored in primary-key order (the migration's note: Prisma's schema cannot say so), time first.
      const tables = await database.db.$queryRawUnsafe<Array<{ name: string; sql: string }>>(`SELECT "name", "sql" FROM sqlite_master WHERE "name" LIKE 'TrafficFine%'`);
      expect(tables.map((t) => [t.name, t.sql.trimEnd().endsWith("WITHOUT ROWID"), t.sql.includes(`PRIMARY KEY ("start", "keyId")`)])).toEqual([["TrafficFine", true, true]]);
    } else {
      const tables = await database.db.$queryRawUnsafe<Array<{ name: string }>>(`SELECT "tablename" AS "name" FROM pg_tables WHERE "tablename" LIKE 'TrafficFine%'`);
      expect(tables.map((t) => t.name)).toEqual(["TrafficFine"]);
    }
    expect(await pendingFineCount(database.db)).toBe(2);
    expect((await readCumulativeTotals(database.db))[0]?.counters.inBytes).toBe(127n);
    const series = await readSeries(database.db, kind, "web1", rolledUpTo - 60, rolledUpTo + 60, "fine");
    expect(series.points.map((p) => p.counters.inBytes)).toEqual([7n, 100n, 20n]);
    const five = await readSeries(database.db, kind, "web1", rolledUpTo - 600, rolledUpTo + 600, "5m");
    expect(five.points.map((p) => [p.start, p.counters.inBytes])).toEqual([[rolledUpTo, 120n]]);

    const store = createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "UTC" });
    try {
      expect(await store.rollUp({ includeCurrent: true })).toMatchObject({ fromS: rolledUpTo, toS: rolledUpTo + 300, fiveMinRows: 1 });
    } finally {
      await store.close();
    }
    expect(await pendingFineCount(database.db)).toBe(0);
    expect(await database.db.trafficFine.count()).toBe(3);
    expect((await database.db.accountingKey.findUniqueOrThrow({ where: { key: "web1" } })).inBytes).toBe(127n);
    expect(await readSeries(database.db, kind, "web1", rolledUpTo - 60, rolledUpTo + 60, "fine")).toEqual(series);
    expect(await readSeries(database.db, kind, "web1", rolledUpTo - 600, rolledUpTo + 600, "5m")).toEqual(five);
  });
});

describe("SQLite connections", () => {
  it("let the WAL grow to the same size on the web's connection and the collector's before checkpointing", async () => {
    const database = await createTestDatabase("sqlite");
    const writer = createTickWriter(database.url);
    try {
      const [own] = await writer.read<{ wal_autocheckpoint: bigint }>("PRAGMA wal_autocheckpoint");
      const [web] = await database.db.$queryRawUnsafe<Array<{ wal_autocheckpoint: bigint | number }>>("PRAGMA wal_autocheckpoint");
      expect([Number(own?.wal_autocheckpoint), Number(web?.wal_autocheckpoint)]).toEqual([SQLITE_WAL_AUTOCHECKPOINT_PAGES, SQLITE_WAL_AUTOCHECKPOINT_PAGES]);
    } finally {
      await writer.close();
      await database.dispose();
    }
  });
});
