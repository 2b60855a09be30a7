/**
 * The agent's two hot calls through its real Unix socket, on the simulated host
 * at 1,000 domains × 8 vifs: `inventory` and `counters`, round trip included
 * (encode, socket, decode, validate on both ends). Goal: under 50 ms each.
 *
 *   npx tsx scripts/bench/agent.bench.ts [domains=1000] [vifsPerDomain=8] [runs=21]
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import pino from "pino";

import { createAgentClient } from "~/server/agent/client";
import { ConfigStore } from "~/server/agent/config-store";
import { startAgentServer } from "~/server/agent/server";
import { createSimDriver } from "~/server/host/sim/sim-driver";

const [domains = 1000, vifsPerDomain = 8, runs = 21] = process.argv.slice(2).map(Number);
const GOAL_MS = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-agent-bench-"));
try {
  const configDir = path.join(dir, "xen");
  let now = Date.now();
  const driver = await createSimDriver({ seed: 1, domains, vifsPerDomain, mode: "bridge", configDir, randomEvents: false, now: () => now });
  const socketPath = path.join(dir, "agent.sock");
  const token = "bench-token-0123456789abcdef";
  const server = await startAgentServer({
    socketPath,
    token,
    driver,
    configs: await ConfigStore.open(configDir),
    logger: pino({ level: "silent" }),
  });
  const client = createAgentClient({ socketPath, token, timeoutMs: 60_000 });
  const first = await client.call("inventory", {});
  const counters = await client.call("counters", {});
  console.log(
    `agent: sim host with ${first.domains.length - 1} domains, ${first.vifs.length} vif interfaces, ${counters.interfaces.length} interfaces with counters`,
  );

  for (const op of ["inventory", "counters"] as const) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      now += 10_000; // a collector tick later: new traffic, new domain states
      const start = performance.now();
      const result = await client.call(op, {});
      times.push(performance.now() - start);
      if (i === 0) bytes = JSON.stringify(result, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)).length;
    }
    const m = median(times);
    console.log(
      `  ${op.padEnd(9)} median ${m.toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (${runs} calls, ~${(bytes / 1024).toFixed(0)} KiB of JSON) — goal < ${GOAL_MS} ms: ${m < GOAL_MS ? "met" : "NOT met"}`,
    );
  }
  client.close();
  await server.close();
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
