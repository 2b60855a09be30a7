/**
 * vifdeck's collector against vnStat's daemon (issue 5, item 9): the same
 * 2,000 real veth interfaces, sampled every 5 s by both over the same minutes;
 * CPU seconds of each (utime + stime from /proc/<pid>/stat) and their ratio,
 * and vifdeck's CPU per tick against the bare read of /proc/net/dev. As root,
 * with Debian's vnstat 2.10 (`apt-get install -y vnstat`):
 *
 *   npx tsx scripts/bench/accounting-vnstat.bench.ts [--pairs 1000] [--seconds 300] [--warmup-ticks 20] [--history-hours 2]
 *
 * - A network namespace with `pairs` veth pairs (vif<d>.0 on a bridge, its peer
 *   vif<d>.1 beside it) — 2 × pairs interfaces — and a sender in the namespace
 *   that floods one broadcast frame a second through the bridge, so every
 *   interface moves (vifdeck writes only keys that moved: idle interfaces
 *   would flatter it).
 * - vnstatd in the foreground inside the namespace (`ip netns exec`), with its
 *   own config and database directory in a temp folder (UpdateInterval 5,
 *   PollInterval 5): never the system's vnstat.
 * - vifdeck as in production: the agent (its own process: XlDriver, the Linux
 *   reader pointed into the namespace, a stand-in `xl` listing `pairs`
 *   domains with two vifs each) and the collector (its own process: 5 s ticks,
 *   SQLite, rollups and maintenance as configured) over the agent's socket.
 * - The agent and the collector run with the node flags of their services
 *   (SERVICE_NODE_FLAGS, server/heap.ts). BENCH_NODE_FLAGS="…" replaces them
 *   for a comparison (e.g. "--trace-gc"); BENCH_TRACE=<file> appends the
 *   collector's output there.
 * - The store is one that has been running (--history-hours, default 2; 0 for
 *   an empty store): after the collector's first tick has created the keys, it
 *   is stopped, every key gets fine and 5-minute buckets for the hours before,
 *   and it starts again. What the store writes grows while its keys fill
 *   their pages (the rollup writes a page or two per key in every table
 *   ordered by key; retention deletes from them); an empty store would
 *   flatter it.
 * - Fine buckets are kept 1 h instead of 24 h, so that with that history the
 *   retention deletes as it does at steady state (an hour of fine buckets on
 *   each hour; the first maintenance after the restart deletes what is older).
 * - CPU is read after a warm-up (vnstatd has stored its first samples, the
 *   collector --warmup-ticks ticks), then at the end; the stand-in xl's child
 *   processes are not counted (the real xl is not vifdeck's code). The default
 *   window, 300 s, holds one of each 5-minute task (the rollup, the inventory
 *   refresh, maintenance).
 *
 * Everything is deleted at the end, whatever happens: the processes, the
 * namespace, the temp folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import Database from "better-sqlite3";

import { SERVICE_NODE_FLAGS } from "~/server/heap";

const { values } = parseArgs({
  options: {
    pairs: { type: "string", default: "1000" },
    seconds: { type: "string", default: "300" },
    "warmup-ticks": { type: "string", default: "20" },
    "history-hours": { type: "string", default: "2" },
    role: { type: "string" },
    dir: { type: "string" },
    netns: { type: "string" },
    pid: { type: "string" },
  },
});
const ROOT = path.resolve(import.meta.dirname, "../..");
const INTERVAL_S = 5;
const TOKEN = "vnstat-bench-token-0123456789abcdef";

/** utime + stime of a process, in seconds (clock ticks of 1/100 s on Linux). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// Child roles: the agent and the collector, each its own process.
// ---------------------------------------------------------------------------

async function runAgent(dir: string, netnsPid: string, netns: string): Promise<void> {
  (await import("~/server/heap")).keepHeapBetweenBursts(); // as server/agent/main.ts does
  const pino = (await import("pino")).default;
  const { ConfigStore } = await import("~/server/agent/config-store");
  const { startAgentServer } = await import("~/server/agent/server");
  const { XlDriver } = await import("~/server/host/xl/xl-driver");
  const driver = new XlDriver({
    xlPath: path.join(dir, "xl"),
    xenstoreLsPath: path.join(dir, "xenstore-ls"),
    xlConfPath: path.join(dir, "xl.conf"),
    xendConfigPath: path.join(dir, "no-xend-config.sxp"),
    linux: { sysClassNet: `/proc/${netnsPid}/root/sys/class/net`, procNetDev: `/proc/${netnsPid}/net/dev`, netns },
  });
  const server = await startAgentServer({
    socketPath: path.join(dir, "agent.sock"),
    token: TOKEN,
    driver,
    configs: await ConfigStore.open(path.join(dir, "xen")),
    logger: pino({ level: "silent" }),
  });
  process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
}

async function runCollector(dir: string): Promise<void> {
  const { logger } = await import("~/server/logger");
  const { createAgentClient } = await import("~/server/agent/client");
  const { collectorSettingsOf, createCollector } = await import("~/server/accounting/collector");
  (await import("~/server/heap")).keepHeapBetweenBursts(); // as server/accounting/main.ts does
  const { runMaintenance } = await import("~/server/accounting/maintenance");
  const { DEFAULT_ACCOUNTING_ENV, accountingSettingsOf } = await import("~/server/accounting/settings");
  const { createAccountingStore } = await import("~/server/accounting/store");
  const { createDb, prepareDb } = await import("~/server/db");
  const url = `file:${path.join(dir, "vifdeck.db")}`;
  // Fine buckets kept for 1 h (not 24 h): with the store's hours of history, the retention's deletes happen as at steady state.
  const settings = accountingSettingsOf({ ...DEFAULT_ACCOUNTING_ENV, VIFDECK_COLLECT_INTERVAL_S: INTERVAL_S, VIFDECK_ACCOUNTING_FINE_RETENTION_H: 1 });
  const db = createDb(url);
  await prepareDb(db, url);
  const store = createAccountingStore(db, url, { fineS: settings.fineS, timeZone: settings.timeZone });
  const agent = createAgentClient({ socketPath: path.join(dir, "agent.sock"), token: TOKEN, timeoutMs: 30_000 });
  // Tell the parent about every stored tick (a line on stdout), with its wall time from the counters call.
  let ticks = 0;
  let tickStart = 0;
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  // CPU marks of the tick in progress: the counters call (receiving, parsing and decoding the agent's answer), then
  // keying and the delta engine, then the write; what is left of the CPU since the previous tick ran between ticks.
  let lastLineCpu = cpuMs();
  let callStartCpu = 0;
  let callEndCpu = 0;
  const measured = {
    call: (async (op, params) => {
      if (op !== "counters") return agent.call(op, params);
      tickStart = performance.now();
      callStartCpu = cpuMs();
      const result = await agent.call(op, params);
      callEndCpu = cpuMs();
      return result;
    }) as typeof agent.call,
  };
  const recordTick = store.recordTick.bind(store);
  store.recordTick = async (result, meta) => {
    const writeStartCpu = cpuMs();
    await recordTick(result, meta);
    const now = cpuMs();
    const phases = [now - lastLineCpu, callEndCpu - callStartCpu, writeStartCpu - callEndCpu, now - writeStartCpu];
    lastLineCpu = now;
    process.stdout.write(`tick ${++ticks} ${(performance.now() - tickStart).toFixed(1)} ${phases.map((v) => v.toFixed(1)).join(" ")}\n`);
  };
  // The periodic work, a line each: the rollup (after the tick that starts a 5-minute bucket) and maintenance.
  const timed = async <T>(work: () => Promise<T>, line: (result: T, wallMs: number, cpuMs: number) => string | null): Promise<T> => {
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await work();
    const cpu = process.cpuUsage(cpu0);
    const text = line(result, performance.now() - wall0, (cpu.user + cpu.system) / 1000);
    if (text) process.stdout.write(`${text}\n`);
    return result;
  };
  const rollUp = store.rollUp.bind(store);
  store.rollUp = (options) => timed(() => rollUp(options), (report, wall, cpu) => (report ? `rollup ${wall.toFixed(1)} ${cpu.toFixed(1)}` : null));
  const maintain = (now: number) =>
    timed(
      () => runMaintenance(db, store, settings, now),
      (report, wall, cpu) => `maintenance ${wall.toFixed(1)} ${cpu.toFixed(1)} ${report.deleted.fine ?? 0}`,
    ).then(() => undefined);
  const collector = createCollector(
    { agent: measured, store, logger, maintain },
    collectorSettingsOf(settings),
  );
  process.once("SIGTERM", () => collector.stop());
  await collector.run();
  agent.close();
  await store.close();
  await db.$disconnect();
  process.exit(0);
}

// ---------------------------------------------------------------------------
// The benchmark.
// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { createTestNetns, netnsUnavailableReason } = await import("~/server/host/linux/testdata/netns");
  const skip = netnsUnavailableReason() ?? (existsSync("/usr/sbin/vnstatd") ? null : "vnstatd missing (apt-get install -y vnstat)");
  if (skip) {
    console.log(`skipped: ${skip}`);
    return;
  }
  const { migrate } = await import("~/server/migrate");
  const { readFixture } = await import("~/server/host/linux/testdata/read-fixture");
  const pairs = Number(values.pairs);
  const seconds = Number(values.seconds);
  const dir = mkdtempSync(path.join(tmpdir(), "vifdeck-vnstat-"));
  const children: ChildProcess[] = [];
  let ns: Awaited<ReturnType<typeof createTestNetns>> | null = null;
  const stopAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("SIGINT", () => {
    stopAll();
    ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
  try {
    const t0 = performance.now();
    ns = await createTestNetns("vifdeck-vnstat");
    const lines = ["link add br0 type bridge stp_state 0 forward_delay 0", "link set br0 addrgenmode none"];
    for (let d = 1; d <= pairs; d++) {
      lines.push(`link add vif${d}.0 type veth peer name vif${d}.1`, `link set vif${d}.0 addrgenmode none`, `link set vif${d}.1 addrgenmode none`);
      lines.push(`link set vif${d}.0 master br0`, `link set vif${d}.0 up`, `link set vif${d}.1 up`);
    }
    lines.push("addr add 10.66.0.1/16 dev br0", "link set br0 up");
    ns.ipBatch(lines);
    console.log(`namespace with ${2 * pairs} veth interfaces (+ br0, lo) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const netnsPid = /\/proc\/(\d+)\//.exec(ns.procNetDev)?.[1] ?? "";

    // The stand-in xl: `pairs` domains with vifs 0 and 1 on br0.
    const domains = Array.from({ length: pairs }, (_, i) => ({
      name: `guest${i + 1}`,
      domid: i + 1,
      vifs: [0, 1].map((devid) => ({ devid, mac: `00:16:3e:${[(i >> 8) & 255, i & 255, devid].map((b) => b.toString(16).padStart(2, "0")).join(":")}`, bridge: "br0", vifname: null })),
    }));
    writeFileSync(path.join(dir, "domains.json"), JSON.stringify({ domains }));
    const standIn = pathToFileURL(path.join(ROOT, "server/accounting/testdata/fake-xen-state.mjs")).href;
    for (const [name, role] of [["xl", "xl"], ["xenstore-ls", "xenstore-ls"]] as const) {
      writeFileSync(
        path.join(dir, name),
        `#!${process.execPath}\nprocess.env.FAKE_XEN_TOOL = ${JSON.stringify(role)};\nprocess.env.FAKE_XEN_STATE = ${JSON.stringify(path.join(dir, "domains.json"))};\nimport(${JSON.stringify(standIn)});\n`,
      );
      chmodSync(path.join(dir, name), 0o755);
    }
    writeFileSync(path.join(dir, "xl.conf"), readFixture(path.join(ROOT, "server/host/xl/testdata"), "79-etc-xen-xl.conf.txt").output);
    mkdirSync(path.join(dir, "xen"));
    await migrate("deploy", { databaseUrl: `file:${path.join(dir, "vifdeck.db")}` });

    // Traffic on every interface: a broadcast frame a second, flooded to every bridge port.
    const sender = spawn(
      "/usr/sbin/ip",
      ["netns", "exec", ns.name, process.execPath, "-e", `const s=require("node:dgram").createSocket("udp4");s.bind(0,"10.66.0.1",()=>{s.setBroadcast(true);const b=Buffer.alloc(200,1);setInterval(()=>s.send(b,9,"10.66.255.255"),1000);});`],
      { stdio: "ignore" },
    );
    children.push(sender);

    // vnstatd, foreground, its own config and database.
    mkdirSync(path.join(dir, "vnstat"));
    writeFileSync(
      path.join(dir, "vnstat.conf"),
      [
        `DatabaseDir "${path.join(dir, "vnstat")}"`,
        "UpdateInterval 5",
        "PollInterval 5",
        "SaveInterval 5",
        "AlwaysAddNewInterfaces 1",
        "BandwidthDetection 0",
        "UseLogging 0",
        `PidFile "${path.join(dir, "vnstat", "vnstatd.pid")}"`,
      ].join("\n") + "\n",
    );
    const vnstatd = spawn("/usr/sbin/ip", ["netns", "exec", ns.name, "/usr/sbin/vnstatd", "-n", "--config", path.join(dir, "vnstat.conf")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(vnstatd);
    let vnstatErr = "";
    vnstatd.stderr?.on("data", (chunk: Buffer) => (vnstatErr = (vnstatErr + chunk.toString()).slice(-2000)));

    const child = (role: "agent" | "collector") => {
      const c = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? SERVICE_NODE_FLAGS[role]), ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), "--import", "tsx", import.meta.filename, "--role", role, "--dir", dir, "--netns", ns?.name ?? "", "--pid", netnsPid], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "warn", DATABASE_URL: `file:${path.join(dir, "vifdeck.db")}` },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(c);
      return c;
    };
    const agent = child("agent");
    await waitFor(() => existsSync(path.join(dir, "agent.sock")), 60_000, "the agent's socket");
    const historyHours = Number(values["history-hours"]);
    if (historyHours > 0) {
      // The first tick creates the keys; then the collector stops and the store gets its history.
      const first = child("collector");
      let firstTicked = false;
      first.stdout?.on("data", (chunk: Buffer) => (firstTicked ||= /^tick 1 /m.test(chunk.toString())));
      await waitFor(() => firstTicked, 120_000, "the collector's first tick");
      first.kill("SIGTERM");
      await new Promise((resolve) => (first.exitCode !== null ? resolve(null) : first.once("exit", resolve)));
      const t1 = performance.now();
      const rows = fillHistory(path.join(dir, "vifdeck.db"), historyHours);
      console.log(`store history: ${rows.toLocaleString("en")} fine and 5-minute buckets for the ${historyHours} h before, in ${((performance.now() - t1) / 1000).toFixed(0)} s`);
    }
    const collector = child("collector");
    let ticks = 0;
    const tickMs: number[] = [];
    const tickCpu: number[] = [];
    const tickPhases: Array<{ receive: number; delta: number; write: number }> = [];
    const periodic: Array<{ what: string; wall: number; cpu: number; deleted: number }> = [];
    collector.stdout?.on("data", (chunk: Buffer) => {
      if (process.env.BENCH_TRACE) appendFileSync(process.env.BENCH_TRACE, chunk);
      for (const m of chunk.toString().matchAll(/^tick (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)$/gm)) {
        ticks = Number(m[1]);
        tickMs.push(Number(m[2]));
        tickCpu.push(Number(m[3]));
        tickPhases.push({ receive: Number(m[4]), delta: Number(m[5]), write: Number(m[6]) });
      }
      for (const m of chunk.toString().matchAll(/^(rollup|maintenance) ([\d.]+) ([\d.]+)(?: (\d+))?$/gm)) {
        periodic.push({ what: m[1] as string, wall: Number(m[2]), cpu: Number(m[3]), deleted: Number(m[4] ?? 0) });
      }
    });

    // Warm-up: vnstatd has added every interface (its first database write), and the collector has stored
    // --warmup-ticks ticks: V8 compiles and re-compiles the tick's functions over its first ~15 ticks
    // (--trace-opt: 13, 10, 4, 19, 11 compilations in ticks 1–5, 0–2 from tick 15 on), which a
    // collector running for weeks pays once.
    const warmupTicks = Number(values["warmup-ticks"]);
    await waitFor(() => ticks >= warmupTicks, 60_000 + warmupTicks * INTERVAL_S * 2_000, "the collector's first ticks");
    await waitFor(() => existsSync(path.join(dir, "vnstat", "vnstat.db")), 120_000, "vnstatd's database");
    // vnstatd is `ip netns exec`'s exec'd child: same pid.
    const vnstatPid = vnstatd.pid ?? 0;
    if (!readFileSync(`/proc/${vnstatPid}/comm`, "latin1").startsWith("vnstatd")) throw new Error(`pid ${vnstatPid} is not vnstatd: ${vnstatErr}`);
    const pids = { vnstatd: vnstatPid, agent: agent.pid ?? 0, collector: collector.pid ?? 0 };
    const start = { at: performance.now(), ticks, cpu: Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid)])) as Record<keyof typeof pids, number> };
    const ticksBefore = tickMs.length;
    console.log(`measuring ${seconds} s (vnstatd pid ${pids.vnstatd}, agent ${pids.agent}, collector ${pids.collector})…`);
    // The bare read of /proc/net/dev (one read of the whole file), CPU per read in this process: five reads
    // every interval, half an interval after the collector's ticks (they run on interval boundaries), so
    // that it is measured in the same minutes as the tick it is compared with (the host's speed varies).
    const bareReads: number[] = [];
    const windowEnd = start.at + seconds * 1000;
    await sleep(INTERVAL_S * 1000 - (Date.now() % (INTERVAL_S * 1000)) + (INTERVAL_S * 1000) / 2);
    while (performance.now() < windowEnd) {
      for (let i = 0; i < 5; i++) {
        const c0 = process.cpuUsage();
        readFileSync(ns.procNetDev, "latin1");
        const c1 = process.cpuUsage(c0);
        bareReads.push((c1.user + c1.system) / 1000);
      }
      await sleep(Math.min(INTERVAL_S * 1000, Math.max(0, windowEnd - performance.now())));
    }
    const elapsed = (performance.now() - start.at) / 1000;
    const used = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid) - start.cpu[k as keyof typeof pids]])) as Record<keyof typeof pids, number>;
    const vifdeckTicks = ticks - start.ticks;
    const vnstatPolls = elapsed / INTERVAL_S;
    const vifdeck = used.agent + used.collector;

    const sortedReads = [...bareReads].sort((a, b) => a - b);
    const bareMs = sortedReads[Math.floor(sortedReads.length / 2)] ?? NaN;

    const perTick = (vifdeck * 1000) / Math.max(1, vifdeckTicks);
    const ticksWall = tickMs.slice(ticksBefore).sort((a, b) => a - b);
    const ticksCpuInOrder = tickCpu.slice(ticksBefore);
    const ticksCpu = [...ticksCpuInOrder].sort((a, b) => a - b);
    const phasesMeasured = tickPhases.slice(ticksBefore);
    const medianOf = (xs: number[]) => ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0).toFixed(1);
    console.log(
      [
        `over ${elapsed.toFixed(0)} s, ${2 * pairs} interfaces, every ${INTERVAL_S} s:`,
        `  vnstatd:  ${used.vnstatd.toFixed(2)} CPU-s (${((used.vnstatd * 1000) / vnstatPolls).toFixed(0)} ms per poll, ${vnstatPolls.toFixed(0)} polls)`,
        `  vifdeck:  ${vifdeck.toFixed(2)} CPU-s (agent ${used.agent.toFixed(2)}, collector ${used.collector.toFixed(2)}; ${perTick.toFixed(1)} ms per tick, ${vifdeckTicks} ticks; ` +
          `tick wall median ${(ticksWall[Math.floor(ticksWall.length / 2)] ?? 0).toFixed(0)} ms)`,
        `  collector CPU from one tick to the next (process.cpuUsage: the tick and whatever ran since the previous one): ` +
          `median ${(ticksCpu[Math.floor(ticksCpu.length / 2)] ?? 0).toFixed(1)} ms, largest ${ticksCpu.slice(-3).reverse().map((v) => v.toFixed(0)).join(", ")} ms`,
        `  its phases (CPU ms, median): receiving the counters ${medianOf(phasesMeasured.map((p) => p.receive))}, keying and deltas ` +
          `${medianOf(phasesMeasured.map((p) => p.delta))}, the write ${medianOf(phasesMeasured.map((p) => p.write))}; ` +
          `between ticks (rollup, maintenance, timers, GC) ${medianOf(phasesMeasured.map((p, i) => (ticksCpuInOrder[i] ?? 0) - p.receive - p.delta - p.write))}`,
        `  of which the periodic work (wall/CPU ms, every one since the collector started): ` +
          (["rollup", "maintenance"] as const)
            .map(
              (what) =>
                `${what} ${
                  periodic
                    .filter((p) => p.what === what)
                    .map((p) => `${p.wall.toFixed(0)}/${p.cpu.toFixed(0)}${p.deleted ? ` (${p.deleted.toLocaleString("en")} fine buckets deleted)` : ""}`)
                    .join(", ") || "none"
                }`,
            )
            .join("; "),
        `  ratio vifdeck / vnstatd: 1/${(used.vnstatd / Math.max(vifdeck, 1e-9)).toFixed(1)} (goal: at most 1/20)`,
        `  bare read of /proc/net/dev: ${bareMs.toFixed(2)} ms CPU (median of ${bareReads.length} reads over the same minutes, ` +
          `${(sortedReads[Math.floor(sortedReads.length * 0.1)] ?? 0).toFixed(2)}–${(sortedReads[Math.floor(sortedReads.length * 0.9)] ?? 0).toFixed(2)} ms from the 10th to the 90th percentile); ` +
          `vifdeck's tick = ${(perTick / bareMs).toFixed(1)}× that (goal: within 10×)`,
      ].join("\n"),
    );
    // Stop vifdeck cleanly (SIGTERM), then vnstatd.
    for (const c of [collector, agent]) c.kill("SIGTERM");
    await Promise.race([Promise.all([collector, agent].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r))))), sleep(10_000)]);
  } finally {
    stopAll();
    ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fine (every INTERVAL_S) and 5-minute buckets for every key over the `hours`
 * before the collector's first tick, inserted in the order the collector would
 * have (fine ones tick by tick, 5-minute ones each 5 minutes key by key; the
 * rollup's hourly and daily buckets are left out: one row per key per hour).
 * Returns the rows inserted.
 */
function fillHistory(file: string, hours: number): number {
  const db = new Database(file);
  try {
    const firstS = Number(db.prepare(`SELECT MIN("firstSeenAt") FROM "AccountingKey"`).pluck().get()) / 1000;
    const toS = Math.floor(firstS / 300) * 300;
    const fromS = toS - hours * 3600;
    const insert = (table: string, stepS: number, order: string) =>
      db
        .prepare(
          `WITH RECURSIVE t(s) AS (SELECT ? UNION ALL SELECT s + ? FROM t WHERE s + ? < ?) ` +
            `INSERT INTO "${table}" ("keyId", "start", "inBytes", "outBytes", "inPackets", "outPackets") ` +
            `SELECT k."id", t.s, 1200, 1200, 6, 6 FROM t CROSS JOIN "AccountingKey" k ORDER BY ${order}`,
        )
        .run(fromS, stepS, stepS, toS).changes;
    // Ticks write the fine buckets in time order, the rollups the 5-minute ones key by key every 5 minutes.
    return db.transaction(() => insert("TrafficFine", INTERVAL_S, `t.s, k."id"`) + insert("TrafficFiveMin", 300, `t.s / 300, k."id", t.s`))();
  } finally {
    db.close();
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

if (values.role === "agent") await runAgent(values.dir ?? "", values.pid ?? "", values.netns ?? "");
else if (values.role === "collector") await runCollector(values.dir ?? "");
else await main();
