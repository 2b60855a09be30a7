import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createAgentClient, type AgentClient } from "~/server/agent/client";
import { startAgentServer, type AgentServer } from "~/server/agent/server";
import { ConfigStore } from "~/server/agent/config-store";
import { createSimDriver, type SimDriver } from "~/server/host/sim/sim-driver";
import type { SimHost } from "~/server/host/sim/sim-host";
import { DB_KINDS, createTestDatabase, type TestDatabase } from "~/server/testing/databases";

import { BUCKET_TABLES, RESOLUTIONS } from "./buckets";
import { createCollector, type Collector } from "./collector";
import { mapGuestVif, stableKeyOf } from "./identity";
import { readCumulativeTotals } from "./queries";
import { createAccountingStore, type AccountingStore } from "./store";

/**
 * Exactness against ground truth (issue 5, 7a): the simulated host moves
 * known bytes; the real agent serves them over its socket; the collector keys
 * and stores them through guest reboots (new domids), 32-bit wraps, an agent
 * restart, a collector child process killed with SIGKILL and restarted, and a
 * detach (final counters) and re-attach. Every guest key's totals must equal
 * the simulation's ground truth to the byte and packet, on both databases.
 */

const silent = pino({ level: "silent" });
const INTERVAL_MS = 10_000;
const ROOT = path.resolve(import.meta.dirname, "../..");

describe.each(DB_KINDS)("exactness against the sim's ground truth on %s", (kind) => {
  let database: TestDatabase;
  let dir: string;
  let socketPath: string;
  let tokenFile: string;
  const token = "exactness-test-token-0123456789";
  let clock = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
  const T0 = clock;
  let host: SimHost;
  let driver: SimDriver;
  let configs: ConfigStore;
  let agentServer: AgentServer | null = null;
  let client: AgentClient;
  let collector: Collector;

  const startAgent = async () => {
    agentServer = await startAgentServer({ socketPath, token, driver, configs, logger: silent });
  };
  const stores: AccountingStore[] = [];
  let collectorStore: AccountingStore | null = null;
  const newCollector = () => {
    const store = createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "Europe/Berlin" });
    stores.push(store);
    collectorStore = store;
    return createCollector(
      { agent: client, store, logger: silent, now: () => clock, sleep: async () => {} },
      { intervalMs: INTERVAL_MS, maxBytesPerSec: 12.5e9, inventoryRefreshMs: 60_000, maintenanceEveryMs: 300_000, writeAttempts: 3 },
    );
  };
  const tick = async () => {
    const outcome = await collector.tick();
    if (!outcome.ok) throw new Error(`tick failed at ${outcome.stage}: ${String(outcome.error)}`);
    return outcome.result;
  };
  const advance = async (ticks: number) => {
    for (let i = 0; i < ticks; i++) {
      clock += INTERVAL_MS;
      await tick();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-exact-"));
    socketPath = path.join(dir, "agent.sock");
    tokenFile = path.join(dir, "agent.token");
    await fs.writeFile(tokenFile, `${token}\n`);
    const configDir = path.join(dir, "xen");
    driver = await createSimDriver({ seed: 7, domains: 6, mode: "bridge", configDir, randomEvents: false, now: () => clock });
    configs = await ConfigStore.open(configDir);
    host = driver.host;
    const scenario = host.scenario;
    // build/0 has 32-bit counters: push enough to wrap every minute or two, yet at most one wrap in
    // the longest time between two stored samples here (40 s of agent restart: 1.8 × 50 MB/s × 40 s < 2^32).
    const build = scenario.domains.find((d) => d.name === "build");
    const build0 = build?.vifs[0];
    if (!build0 || build0.counterBits !== 32) throw new Error("scenario changed: build/0 should have 32-bit counters");
    Object.assign(build0, { rxBytesPerSec: 50_000_000, txBytesPerSec: 40_000_000, burstChance: 0 });
    await startAgent();
    client = createAgentClient({ socketPath, token, timeoutMs: 5_000 });
    collector = newCollector();
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await Promise.race([agentServer?.close(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    for (const store of stores) await store.close();
    await database?.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("keeps every guest key's totals equal to the bytes the guests moved", async () => {
    await tick(); // baseline: the domains booted at this very instant, counters are zero
    await advance(6);

    // Guest reboots (new domids): a collector tick at the same instant, then the reboot.
    host.reboot("web1");
    await advance(3);
    host.reboot("db1"); // no vifname: vif2.0 becomes vif<new>.0
    await advance(2);
    host.reboot("win2k19"); // HVM: the -emu twins carry the first 30 s
    await advance(5);

    // Agent restart: three ticks fail while it is down, the counters keep the bytes.
    // (AgentServer.close() waits for open connections: drop the client's first.)
    client.close();
    await agentServer?.close();
    agentServer = null;
    for (let i = 0; i < 3; i++) {
      clock += INTERVAL_MS;
      const outcome = await collector.tick();
      expect(outcome).toMatchObject({ ok: false, stage: "agent" });
    }
    await startAgent();
    await advance(2);

    // Detach of dns's vif through the agent: its result carries the final counters, which the web
    // side enqueues for the collector; then a re-attach (dns boots again from its config).
    clock += 7_000;
    const inventory = await client.call("inventory", {});
    const dnsVif = inventory.vifs.find((v) => v.domain === "dns" && v.devid === 0);
    if (!dnsVif) throw new Error("dns has no vif 0");
    const detached = await client.call("detachVif", { domain: "dns", devid: 0, persist: false });
    const store = createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "Europe/Berlin" });
    stores.push(store);
    for (const counters of detached.final.interfaces) {
      await store.enqueueFinalSample({ at: detached.final.at, mapped: mapGuestVif(dnsVif), counters });
    }
    expect(detached.final.interfaces.map((i) => i.name)).toContain(dnsVif.kernelName);
    clock += 3_000;
    await tick();
    await advance(2);
    host.shutdown("dns");
    host.boot("dns");
    await advance(2);

    // A real collector process, killed with SIGKILL while it runs, then restarted in-process.
    const child = spawnCollector();
    try {
      const lastTick = async () => Number((await database.db.accountingCollector.findUniqueOrThrow({ where: { id: 1 } })).lastTickAt);
      for (let i = 0; i < 4; i++) {
        clock += INTERVAL_MS;
        await waitFor(async () => (await lastTick()) === clock, 20_000, child);
      }
      clock += INTERVAL_MS;
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 700));
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    collector = newCollector(); // loads the state the killed process committed
    await advance(3);
    host.reboot("build");
    await advance(4);

    const truth = host.readGroundTruth();
    // The cumulative totals as /api/metrics reads them: the keys' rolled-up totals plus the fine buckets since.
    const keys = (await readCumulativeTotals(database.db)).map((k) => ({ key: k.key, ...k.counters }));
    const byKey = new Map(keys.map((k) => [k.key, k]));
    expect(truth.size).toBeGreaterThan(8);
    const mismatches: unknown[] = [];
    for (const [truthKey, t] of truth) {
      const [domain, devid] = truthKey.split("/") as [string, string];
      const spec = host.scenario.domains.find((d) => d.name === domain)?.vifs.find((v) => v.devid === Number(devid));
      const key = stableKeyOf({ vifname: spec?.vifname ?? null, domain, devid: Number(devid) });
      const row = byKey.get(key);
      expect(row, key).toBeDefined();
      // Stored as seen from the guest: out = what it sent = dom0 rx.
      const got = { key, out: row?.outBytes, in: row?.inBytes, outP: row?.outPackets, inP: row?.inPackets };
      const want = { key, out: t.rxBytes, in: t.txBytes, outP: t.rxPackets, inP: t.txPackets };
      if (JSON.stringify(got, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)) !== JSON.stringify(want, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))) {
        mismatches.push({ got, want });
      }
    }
    if (mismatches.length) {
      const ev = await database.db.accountingEvent.findMany({ where: { key: "build/0" }, orderBy: { at: "asc" } });
      console.log("exactness mismatch, build/0 events:", ev.map((e) => [Number(e.at) - T0, e.kind, e.detail]));
      const inc = await database.db.accountingIncarnation.findMany({ where: { key: { key: "build/0" } } });
      console.log("exactness mismatch, build/0 incarnations:", inc.map((i) => [i.kernelName, i.ifindex, Number(i.firstSeenAt) - T0, Number(i.lastSeenAt) - T0, i.endReason]));
    }
    expect(mismatches).toEqual([]);

    // The buckets of every resolution add up to the same totals (hourly and daily once the last
    // tick's 5-minute bucket is rolled up too).
    await collectorStore?.rollUp({ includeCurrent: true });
    // Rolled up to the last tick, the keys' stored totals are the whole totals.
    const stored = await database.db.accountingKey.findMany();
    expect(new Map(stored.map((k) => [k.key, [k.inBytes, k.outBytes, k.inPackets, k.outPackets]]))).toEqual(
      new Map(keys.map((k) => [k.key, [k.inBytes, k.outBytes, k.inPackets, k.outPackets]])),
    );
    for (const resolution of RESOLUTIONS) {
      const rows = await database.db.$queryRawUnsafe<Array<{ i: string; o: string }>>(
        `SELECT CAST(SUM("inBytes") AS TEXT) AS i, CAST(SUM("outBytes") AS TEXT) AS o FROM "${BUCKET_TABLES[resolution]}"`,
      );
      expect([BigInt(rows[0]?.i ?? 0), BigInt(rows[0]?.o ?? 0)], resolution).toEqual([
        keys.reduce((s, k) => s + k.inBytes, 0n),
        keys.reduce((s, k) => s + k.outBytes, 0n),
      ]);
    }

    // What happened on the way is on record.
    const events = await database.db.accountingEvent.groupBy({ by: ["kind"], _count: true });
    expect(events.find((e) => e.kind === "wrap")?._count ?? 0).toBeGreaterThan(3);
    expect(await database.db.accountingGap.count()).toBeGreaterThanOrEqual(1);
    const web1 = await database.db.accountingIncarnation.findMany({ where: { key: { key: "web1" } }, orderBy: { firstSeenAt: "asc" } });
    expect(web1).toHaveLength(2);
    expect(web1[0]?.endedAt).not.toBeNull();
    expect(web1[1]?.domid).not.toBe(web1[0]?.domid);
    const dns = await database.db.accountingIncarnation.findMany({ where: { key: { key: "dns/0" } }, orderBy: { firstSeenAt: "asc" } });
    expect(dns.map((d) => d.endReason)).toEqual(["detached", null]);
  }, 180_000);

  function spawnCollector(): ChildProcess {
    // node with tsx's loader, not the tsx CLI: the CLI runs the script in a child process, which
    // SIGKILL on the CLI would leave running (a second collector writing the same store).
    const child = spawn(process.execPath, ["--import", "tsx", "server/accounting/main.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: "test",
        LOG_LEVEL: "warn",
        DATABASE_URL: database.url,
        VIFDECK_AGENT_SOCKET: socketPath,
        VIFDECK_AGENT_TOKEN_FILE: tokenFile,
        VIFDECK_COLLECT_INTERVAL_S: "1",
        VIFDECK_ACCOUNTING_TZ: "Europe/Berlin",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
    });
    (child as ChildProcess & { stderrText: () => string }).stderrText = () => stderr;
    return child;
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (child.exitCode !== null) {
      throw new Error(`collector process exited (${child.exitCode}): ${(child as ChildProcess & { stderrText?: () => string }).stderrText?.() ?? ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for the collector process: ${(child as ChildProcess & { stderrText?: () => string }).stderrText?.() ?? ""}`);
}
