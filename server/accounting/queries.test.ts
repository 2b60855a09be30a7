import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DB_KINDS, createTestDatabase, type TestDatabase } from "~/server/testing/databases";

import { readSelectorBuckets } from "./console-queries";
import { exportRangeCsv } from "./export";
import { MAX_SEEK_KEYS, readSeries } from "./queries";

/**
 * Keyed reads of the fine buckets seek each bucket start (queries.ts,
 * bucketSource) instead of scanning every key's rows: they must find exactly
 * what a scan finds, at the range's edges, across starts where the key has no
 * row, and with the pending fine buckets (from rolledUpTo on) in 5-minute sums.
 */

const FROM_S = Date.UTC(2026, 2, 1, 10, 0, 0) / 1000;
const ROLLED_UP_TO = FROM_S + 1800;

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Row = { keyId: number; start: number; inBytes: bigint; outBytes: bigint };

describe.each(DB_KINDS)("keyed reads of fine buckets on %s", (kind) => {
  let database: TestDatabase;
  const keyIds = new Map<string, number>();
  const fine: Row[] = [];
  const fiveMin: Row[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const next = random(7);
    // Three keys of domain d1, one of d2, and a domain with more keys than a seek takes.
    const keys = [
      ["a", "d1"],
      ["b", "d1"],
      ["c", "d1"],
      ["x", "d2"],
      ...Array.from({ length: MAX_SEEK_KEYS + 1 }, (_, i) => [`m${i}`, "many"]),
    ] as const;
    for (const [key, domain] of keys) {
      const row = await database.db.accountingKey.create({ data: { key, kind: "guest", category: "guest", domain, firstSeenAt: 0n, lastSeenAt: 0n } });
      keyIds.set(key, row.id);
    }
    // An hour of 10 s buckets; each key has a row at about half the starts.
    for (let start = FROM_S; start < FROM_S + 3600; start += 10) {
      for (const id of keyIds.values()) {
        if (next() < 0.5) continue;
        fine.push({ keyId: id, start, inBytes: BigInt(Math.floor(next() * 1e9)), outBytes: BigInt(Math.floor(next() * 1e6)) });
      }
    }
    // The 5-minute buckets rolled up before ROLLED_UP_TO; the fine ones from it on are pending.
    const sums = new Map<string, Row>();
    for (const r of fine) {
      if (r.start >= ROLLED_UP_TO) continue;
      const start = r.start - (r.start % 300);
      const id = `${r.keyId}:${start}`;
      const sum = sums.get(id) ?? { keyId: r.keyId, start, inBytes: 0n, outBytes: 0n };
      sum.inBytes += r.inBytes;
      sum.outBytes += r.outBytes;
      sums.set(id, sum);
    }
    fiveMin.push(...sums.values());
    await database.db.trafficFine.createMany({ data: fine.map((r) => ({ ...r, start: BigInt(r.start) })) });
    await database.db.trafficFiveMin.createMany({ data: fiveMin.map((r) => ({ ...r, start: BigInt(r.start) })) });
    await database.db.accountingCollector.create({
      data: { id: 1, lastTickAt: BigInt((FROM_S + 3600) * 1000), updatedAt: 0n, rolledUpTo: BigInt(ROLLED_UP_TO), fiveMinFromFine: true },
    });
  });
  afterAll(async () => {
    await database.dispose();
  });

  /** What a scan of the rows finds: in and out bytes per bucket start of `step` seconds in [fromS, toS). */
  const expected = (ids: number[], fromS: number, toS: number, resolution: "fine" | "5m") => {
    const rows = resolution === "fine" ? fine : [...fiveMin, ...fine.filter((r) => r.start >= ROLLED_UP_TO)];
    const out = new Map<number, [bigint, bigint]>();
    for (const r of rows) {
      const start = resolution === "fine" ? r.start : r.start - (r.start % 300);
      if (!ids.includes(r.keyId) || start < fromS || start >= toS) continue;
      const sum = out.get(start) ?? [0n, 0n];
      out.set(start, [sum[0] + r.inBytes, sum[1] + r.outBytes]);
    }
    return [...out.entries()].sort((a, b) => a[0] - b[0]);
  };

  it("finds one key's buckets as a scan does, for ranges on and off the bucket grid", async () => {
    const next = random(11);
    for (let i = 0; i < 12; i++) {
      const key = ["a", "b", "x"][i % 3] as string;
      const fromS = FROM_S - 100 + Math.floor(next() * 3000);
      const toS = fromS + 1 + Math.floor(next() * 2000);
      for (const resolution of ["fine", "5m"] as const) {
        const series = await readSeries(database.db, kind, key, fromS, toS, resolution);
        expect(
          series.points.map((p) => [p.start, [p.counters.inBytes, p.counters.outBytes]]),
          `${key} ${resolution} [${fromS}, ${toS})`,
        ).toEqual(expected([keyIds.get(key) as number], fromS, toS, resolution));
      }
    }
    expect(await readSeries(database.db, kind, "no-such-key", FROM_S, FROM_S + 600, "fine")).toEqual({ resolution: "fine", points: [] });
  });

  it("exports named keys' buckets as a scan finds them", async () => {
    const fromS = FROM_S + 1500;
    const toS = FROM_S + 2400;
    for (const resolution of ["fine", "5m"] as const) {
      const csv = await exportRangeCsv(database.db, kind, { fromS, toS, resolution, timeZone: "UTC", keys: ["b", "no-such-key"] });
      const lines = csv.trim().split("\r\n").slice(1).map((line) => line.split(","));
      expect(
        lines.map((f) => [Date.parse(f[4] as string) / 1000, [BigInt(f[6] as string), BigInt(f[7] as string)]]),
        resolution,
      ).toEqual(expected([keyIds.get("b") as number], fromS, toS, resolution));
      expect(new Set(lines.map((f) => f[0]))).toEqual(new Set(["b"]));
    }
    expect(await exportRangeCsv(database.db, kind, { fromS, toS, resolution: "fine", timeZone: "UTC", keys: ["no-such-key"] })).toMatch(/^key,domain,[^\n]*\r\n$/);
  });

  it("sums a selector's keys as a scan does, seeking a few keys and scanning many", async () => {
    const idsOf = (prefix: (key: string) => boolean) => [...keyIds.entries()].filter(([key]) => prefix(key)).map(([, id]) => id);
    const cases = [
      { selector: { by: "key" as const, name: "c" }, ids: idsOf((k) => k === "c") },
      { selector: { by: "domain" as const, name: "d1" }, ids: idsOf((k) => ["a", "b", "c"].includes(k)) },
      { selector: { by: "domain" as const, name: "many" }, ids: idsOf((k) => k.startsWith("m")) },
    ];
    for (const { selector, ids } of cases) {
      for (const resolution of ["fine", "5m"] as const) {
        const fromS = FROM_S + 1234;
        const toS = FROM_S + 3333;
        const buckets = await readSelectorBuckets(database.db, kind, selector, { fromS, toS }, resolution);
        expect(
          buckets.map((b) => [b.start, [b.inBytes, b.outBytes]]),
          `${selector.by} ${selector.name} ${resolution}`,
        ).toEqual(expected(ids, fromS, toS, resolution));
      }
    }
  });
});
