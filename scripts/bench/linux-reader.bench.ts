/**
 * How fast the Linux reader is with thousands of interfaces, against the bare
 * read of /proc/net/dev. As root:
 *
 *   npx tsx scripts/bench/linux-reader.bench.ts [pairs=1000] [runs=21]
 *
 * Creates a network namespace with `pairs` veth pairs (2 × pairs interfaces,
 * made with `ip -batch`), measures, and deletes the namespace whatever happens.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

import { CounterReader } from "~/server/host/linux/counter-reader";
import { readLinks, readNetwork } from "~/server/host/linux/network-reader";
import { parseProcNetDevColumns } from "~/server/host/linux/proc-net-dev";
import { readSysfsLinks } from "~/server/host/linux/sysfs";
import { createTestNetns, IP, netnsUnavailableReason } from "~/server/host/linux/testdata/netns";
import type { TestNetns } from "~/server/host/linux/testdata/netns";

const PAIRS = Number(process.argv[2] ?? 1000);
const RUNS = Number(process.argv[3] ?? 21);

function medianMs(runs: number, fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function medianMsAsync(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const reason = netnsUnavailableReason();
  if (reason) {
    console.error(`cannot run the benchmark: ${reason}`);
    process.exitCode = 2;
    return;
  }
  let ns: TestNetns | null = null;
  const cleanUp = () => {
    ns?.destroy();
    ns = null;
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  try {
    ns = await createTestNetns("vifdeck-bench");
    const started = performance.now();
    const lines: string[] = [];
    for (let i = 0; i < PAIRS; i++) lines.push(`link add vif${i + 1}.0 type veth peer name g${i + 1}e0`);
    ns.ipBatch(lines);
    ns.ipBatch([
      "link add xenbr0 type bridge",
      ...Array.from({ length: Math.min(PAIRS, 500) }, (_, i) => `link set vif${i + 1}.0 master xenbr0`),
    ]);
    const opts = { sysClassNet: ns.sysClassNet, procNetDev: ns.procNetDev, netns: ns.name };
    const count = readdirSync(ns.sysClassNet).length;
    console.log(`namespace ${ns.name}: ${count} interfaces (created in ${(performance.now() - started).toFixed(0)} ms)`);
    console.log(`median of ${RUNS} runs each:\n`);

    const bare = medianMs(RUNS, () => readFileSync(opts.procNetDev, "latin1"));
    const rows: [string, number][] = [];
    const report = (label: string, ms: number) => rows.push([label, ms]);

    report("bare read of /proc/net/dev", bare);
    report("/proc/net/dev read + parse (columns)", medianMs(RUNS, () => parseProcNetDevColumns(readFileSync(opts.procNetDev))));
    for (const changeDetection of ["sysfs-mtime", "lstat"] as const) {
      const reader = new CounterReader({ ...opts, changeDetection });
      const first = performance.now();
      reader.readCounters();
      report(`CounterReader (${changeDetection}), first read (fills the ifindex cache)`, performance.now() - first);
      report(`CounterReader (${changeDetection}), steady state  <- readCounterColumns (the agent's counters)`, medianMs(RUNS, () => reader.readCounterColumns()));
      report(`CounterReader (${changeDetection}), steady state, as bigint objects (readCounters)`, medianMs(RUNS, () => reader.readCounters()));
    }
    const names = readdirSync(opts.sysClassNet);
    report(
      "candidate: read every /sys/class/net/*/ifindex",
      medianMs(Math.min(RUNS, 7), () => {
        for (const name of names) readFileSync(`${opts.sysClassNet}/${name}/ifindex`, "latin1");
      }),
    );
    const statFiles = ["rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped"];
    report(
      "candidate: sysfs statistics files (8 per interface) + ifindex",
      medianMs(3, () => {
        for (const name of names) {
          readFileSync(`${opts.sysClassNet}/${name}/ifindex`, "latin1");
          for (const file of statFiles) readFileSync(`${opts.sysClassNet}/${name}/statistics/${file}`, "latin1");
        }
      }),
    );
    report(
      "candidate: ip -j -s link (spawn + JSON.parse)",
      medianMs(Math.min(RUNS, 7), () =>
        JSON.parse(execFileSync(IP, ["-n", opts.netns, "-j", "-s", "link"], { maxBuffer: 1 << 30, encoding: "utf8" })),
      ),
    );
    report("inventory: readLinks (ip -j -d addr show)  <- used", await medianMsAsync(Math.min(RUNS, 7), () => readLinks(opts)));
    report("inventory: readNetwork (links + bridges + NICs)", await medianMsAsync(Math.min(RUNS, 7), () => readNetwork(opts)));
    report("inventory: readSysfsLinks (sysfs walk, no addresses)", medianMs(3, () => readSysfsLinks(opts.sysClassNet)));

    const width = Math.max(...rows.map(([label]) => label.length));
    for (const [label, ms] of rows) {
      console.log(`${label.padEnd(width)}  ${ms.toFixed(2).padStart(8)} ms  ${(ms / bare).toFixed(2).padStart(6)}× bare`);
    }
  } finally {
    cleanUp();
  }
}

await main();
