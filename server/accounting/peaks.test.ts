import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { TInterfaceCounters } from "~/server/host/inventory";
import { DB_KINDS, createTestDatabase, type TestDatabase } from "~/server/testing/databases";

import { computeBills, percentile95 } from "./billing";
import { FIVE_MINUTES_S } from "./buckets";
import { billingPeriod } from "./calendar";
import { computePeriodBills } from "./console-queries";
import { computeDeltas, emptyEngineState, type EngineState } from "./delta-engine";
import type { MappedInterface } from "./identity";
import { hasCompletePeaks, peaksToKeep, slotsBetween } from "./peaks";
import { createAccountingStore, type AccountingStore } from "./store";

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);
const TICKS = 560; // more 5-minute samples than a 31-day month keeps (447): values must replace kept ones

function guest(key: string, domid: number): MappedInterface {
  return { key, kind: "guest", category: "guest", domain: key, devid: 0, vifname: key, domid, mac: "00:16:3e:00:00:01", bridge: "xenbr0" };
}
function iface(name: string, ifindex: number, rx: bigint, tx: bigint): TInterfaceCounters {
  return { name, ifindex, rxBytes: rx, txBytes: tx, rxPackets: rx / 500n, txPackets: tx / 500n, rxErrors: 0n, txErrors: 0n, rxDrops: 0n, txDrops: 0n };
}
/** Deterministic pseudo-random bytes per tick (a linear congruential generator), with bursts and idle ticks. */
function bytesOf(seed: number, i: number): bigint {
  const x = (Math.imul(seed * 7919 + i, 1103515245) + 12345) >>> 0;
  if (x % 11 === 0) return 0n;
  return BigInt((x % 100_000) * (x % 23 === 0 ? 40 : 1) + 1);
}

describe.each(DB_KINDS)("bills from the rollup's peaks on %s", (kind) => {
  let database: TestDatabase;
  let store: AccountingStore;
  const period = billingPeriod(2026, 3, "UTC", 1);
  let nowS = 0;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = createAccountingStore(database.db, database.url, { fineS: 300, timeZone: "UTC", billingDay: 1 });
    let state: EngineState = emptyEngineState();
    const totals = { a: { rx: 0n, tx: 0n }, b: { rx: 0n, tx: 0n }, c: { rx: 0n, tx: 0n } };
    // Ticks 100 s into each 5-minute bucket: after every tick the current bucket is not rolled up yet.
    for (let i = 0; i <= TICKS; i++) {
      const at = T0 + 100_000 + i * 300_000;
      totals.a.rx += bytesOf(1, i);
      totals.a.tx += bytesOf(2, i);
      if (i % 3 === 0) totals.b.rx += bytesOf(3, i);
      if (i % 5 === 0) totals.b.tx += bytesOf(4, i);
      const interfaces = [iface("a", 2, totals.a.rx, totals.a.tx), iface("b", 3, totals.b.rx, totals.b.tx)];
      const mapping = new Map([
        ["a", guest("a", 1)],
        ["b", guest("b", 2)],
      ]);
      if (i >= 300) {
        // c appears later: a smaller rank of its own.
        totals.c.rx += bytesOf(5, i);
        totals.c.tx += bytesOf(6, i);
        interfaces.push(iface("c", 4, totals.c.rx, totals.c.tx));
        mapping.set("c", guest("c", 3));
      }
      const result = computeDeltas(state, { at, interfaces }, mapping, { maxBytesPerSec: 1e10, wrapWindowMs: 600_000, gapAfterMs: 900_000 });
      await store.recordTick(result, { writtenAt: at });
      await store.rollUp();
      state = result.state;
      nowS = Math.floor(at / 1000) + 1;
    }
  }, 240_000);
  afterAll(async () => {
    await store?.close();
    await database?.dispose();
  });

  /** The bills as billing.ts defines them, from every 5-minute bucket (no peaks). */
  const referenceBills = async () => {
    const keys = await database.db.accountingKey.findMany({ orderBy: { key: "asc" } });
    const bills = [];
    for (const k of keys) {
      const rows = await database.db.trafficFiveMin.findMany({ where: { keyId: k.id, start: { gte: BigInt(period.start), lt: BigInt(period.end) } } });
      const slots = slotsBetween(Math.max(period.start, Math.floor(Number(k.firstSeenAt) / 1000)), Math.min(period.end, nowS));
      bills.push({
        key: k.key,
        p95InBps: percentile95(rows.map((r) => Number(r.inBytes * 8n) / FIVE_MINUTES_S), slots),
        p95OutBps: percentile95(rows.map((r) => Number(r.outBytes * 8n) / FIVE_MINUTES_S), slots),
        samples: Math.max(slots, rows.length),
      });
    }
    return bills;
  };

  it("keeps at most K values per key and direction, and bills with them exactly", async () => {
    expect(await hasCompletePeaks(database.db, kind, period)).toBe(true);
    const keep = peaksToKeep(period);
    expect(keep).toBe(447);
    const counts = await database.db.trafficPeak.groupBy({ by: ["keyId", "direction"], _count: true });
    expect(Math.max(...counts.map((c) => c._count))).toBe(keep);
    // The peaks are what the 5-minute buckets say: each kept value is its bucket's.
    const sample = await database.db.trafficPeak.findFirstOrThrow({ where: { direction: 1 }, orderBy: { bytes: "desc" } });
    const bucket = await database.db.trafficFiveMin.findUniqueOrThrow({ where: { keyId_start: { keyId: sample.keyId, start: sample.start } } });
    expect(bucket.outBytes).toBe(sample.bytes);

    const reference = await referenceBills();
    const fromPeaks = await computeBills(database.db, kind, period, nowS);
    expect(fromPeaks.map((b) => ({ key: b.key, p95InBps: b.p95InBps, p95OutBps: b.p95OutBps, samples: b.samples }))).toEqual(reference);
    expect(reference.find((b) => b.key === "a")?.p95InBps).toBeGreaterThan(0);
    expect(await computePeriodBills(database.db, kind, period, nowS)).toEqual(fromPeaks);
  });

  it("falls back to every 5-minute bucket once the current bucket was rolled up early", async () => {
    const before = await computeBills(database.db, kind, period, nowS);
    await store.rollUp({ includeCurrent: true });
    expect(await hasCompletePeaks(database.db, kind, period)).toBe(false);
    const after = await computeBills(database.db, kind, period, nowS);
    expect(after.map((b) => [b.key, b.p95InBps, b.p95OutBps])).toEqual(before.map((b) => [b.key, b.p95InBps, b.p95OutBps]));
  });
});
