/**
 * Accounting benchmark (issue 5, item 9): the collector's tick cost — read +
 * map + delta + write — at 1,000 and 8,000 vifs on SQLite, all vifs moving
 * traffic, so every tick writes a fine bucket for every key.
 *
 *   npx tsx scripts/bench/accounting.bench.ts [--vifs 1000,8000] [--ticks 20]
 *
 * Wall and CPU time (process.cpuUsage: better-sqlite3 writes in this thread)
 * of each phase; the machine is shared, so wall times are inflated and the
 * CPU times are the figures to compare. The run crosses one 5-minute
 * boundary: the rollup of the completed 5-minute bucket (fine buckets into
 * 5-minute, hourly and daily ones and the keys' totals) follows that tick.
 *
 * It starts from an empty database. A tick's fine buckets go to a table
 * ordered by time (a few pages per tick however long the history); the
 * rollup writes the 5-minute, hourly and daily buckets, ordered by key, a
 * page or two per key, so it is the rollup that costs more as keys fill
 * their pages (scripts/bench/accounting-vnstat.bench.ts measures a store with
 * hours of history).
 *
 * "read" is the agent's counters result as the collector receives it (built in
 * process here: the agent's own read of /proc/net/dev is benchmarked by the
 * linux reader's bench); "map" is mapInterfaces over an inventory of that size.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { computeDeltas, emptyEngineState, type EngineState } from "~/server/accounting/delta-engine";
import { mapInterfaces } from "~/server/accounting/identity";
import { createAccountingStore } from "~/server/accounting/store";
import { createDb, prepareDb } from "~/server/db";
import type { TCounters, TInventory, TVif } from "~/server/host/inventory";
import { migrate } from "~/server/migrate";

const { values } = parseArgs({ options: { vifs: { type: "string", default: "1000,8000" }, ticks: { type: "string", default: "20" } } });
const sizes = (values.vifs ?? "1000,8000").split(",").map(Number);
const ticks = Number(values.ticks ?? 20);

function inventoryOf(n: number): TInventory {
  const vifs: TVif[] = Array.from({ length: n }, (_, i) => ({
    kernelName: i % 3 === 0 ? `g${i}` : `vif${i + 1}.0`,
    ifindex: 100 + i,
    domid: i + 1,
    domain: `guest${i}`,
    devid: 0,
    vifname: i % 3 === 0 ? `g${i}` : null,
    kind: "vif",
    mac: "00:16:3e:00:00:00",
    ips: [],
    bridge: "xenbr0",
    script: "vif-bridge",
    rate: null,
    backendState: 4,
    operState: "up",
    mtu: 1500,
  }));
  return {
    host: { hostname: "bench", driver: "sim", xenVersion: "4.17", kernel: "6.1", networkMode: "bridge", vifScript: "vif-bridge" },
    domains: [],
    bridges: [],
    vifs,
    nics: [],
  };
}

function countersOf(inventory: TInventory, at: number, step: number): TCounters {
  const s = BigInt(step);
  return {
    at,
    interfaces: inventory.vifs.map((v, i) => ({
      name: v.kernelName,
      ifindex: v.ifindex,
      rxBytes: s * BigInt(10_000 + i),
      txBytes: s * BigInt(30_000 + i),
      rxPackets: s * 10n,
      txPackets: s * 25n,
      rxErrors: 0n,
      txErrors: 0n,
      rxDrops: 0n,
      txDrops: s % 7n === 0n ? 1n : 0n,
    })),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;
/** CPU time of this process (user + system) in ms: the machine is shared, so wall times are inflated. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
type Phase = { wall: number[]; cpu: number[] };
const phase = (): Phase => ({ wall: [], cpu: [] });

for (const n of sizes) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-bench-"));
  const url = `file:${path.join(dir, "bench.db")}`;
  await migrate("deploy", { databaseUrl: url });
  const db = createDb(url);
  await prepareDb(db, url);
  const store = createAccountingStore(db, url, { fineS: 10, timeZone: "UTC" });
  const inventory = inventoryOf(n);
  let state: EngineState = emptyEngineState();
  // Start 3 ticks before a 5-minute boundary, so the run crosses one (a rollup).
  const t0 = Math.floor(Date.now() / 300_000) * 300_000 - 30_000;
  const phases = { read: phase(), map: phase(), delta: phase(), write: phase(), total: phase() };
  const rollups: Array<{ wall: number; cpu: number; rows: number }> = [];
  let baseline = { wall: 0, cpu: 0 };
  for (let step = 0; step <= ticks; step++) {
    const start = performance.now();
    const cpuStart = cpuMs();
    const sample = countersOf(inventory, t0 + step * 10_000, step + 1);
    const afterRead = performance.now();
    const cpuRead = cpuMs();
    const mapping = mapInterfaces(inventory, sample.interfaces.map((i) => i.name));
    const afterMap = performance.now();
    const cpuMap = cpuMs();
    const result = computeDeltas(state, sample, mapping, { maxBytesPerSec: 12.5e9, wrapWindowMs: 300_000, gapAfterMs: 25_000 });
    const afterDelta = performance.now();
    const cpuDelta = cpuMs();
    await store.recordTick(result, { writtenAt: sample.at, hostname: "bench" });
    state = result.state;
    const end = performance.now();
    const cpuEnd = cpuMs();
    const rollupStart = performance.now();
    const rolled = await store.rollUp();
    if (rolled) rollups.push({ wall: performance.now() - rollupStart, cpu: cpuMs() - cpuEnd, rows: rolled.fiveMinRows });
    if (step === 0) {
      baseline = { wall: end - start, cpu: cpuEnd - cpuStart };
      continue;
    }
    const record = (p: Phase, wall: number, cpu: number) => {
      p.wall.push(wall);
      p.cpu.push(cpu);
    };
    record(phases.read, afterRead - start, cpuRead - cpuStart);
    record(phases.map, afterMap - afterRead, cpuMap - cpuRead);
    record(phases.delta, afterDelta - afterMap, cpuDelta - cpuMap);
    record(phases.write, end - afterDelta, cpuEnd - cpuDelta);
    record(phases.total, end - start, cpuEnd - cpuStart);
  }
  await store.close();
  await db.$disconnect();
  const size = (await fs.stat(path.join(dir, "bench.db"))).size + ((await fs.stat(path.join(dir, "bench.db-wal")).catch(() => null))?.size ?? 0);
  const fmt = (x: number) => x.toFixed(1).padStart(7);
  console.log(
    `tick cost, ${n} vifs, SQLite, ${ticks} ticks (first tick, creating ${n} keys: wall ${baseline.wall.toFixed(0)} ms, cpu ${baseline.cpu.toFixed(0)} ms)\n` +
      `           wall median     p95    cpu median     p95\n` +
      Object.entries(phases)
        .map(([name, p]) => `  ${name.padEnd(6)} ${fmt(median(p.wall))} ${fmt(p95(p.wall))}      ${fmt(median(p.cpu))} ${fmt(p95(p.cpu))}  ms`)
        .join("\n") +
      `\n  rollup of a completed 5-minute bucket (fine into 5-minute, hourly, daily and the totals; once per 5 minutes): ` +
      (rollups.map((r) => `${r.rows} rows, wall ${r.wall.toFixed(1)} ms, cpu ${r.cpu.toFixed(1)} ms`).join("; ") || "none in this run") +
      `\n  database after ${ticks + 1} ticks: ${(size / 1e6).toFixed(1)} MB`,
  );
  await fs.rm(dir, { recursive: true, force: true });
}
