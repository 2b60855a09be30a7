import type { AgentOp, AgentParams, AgentResult } from "~/server/agent/protocol";
import type { TCounters, TInventory } from "~/server/host/inventory";
import type { Logger } from "~/server/logger";

import { computeDeltas, needsFreshMapping, type EngineOptions, type EngineState, type TickResult } from "./delta-engine";
import { mapInterfaces, type MappedInterface } from "./identity";
import type { AccountingStore } from "./store";

/**
 * The collector's loop: every interval, read the counters from the agent,
 * key them (inventory when needed), compute the deltas, write the tick in one
 * transaction, then roll up the 5-minute buckets it completed (store.ts).
 * Unprivileged: it only talks to the agent and the database.
 *
 * Failures and what they cost:
 * - Agent unreachable or timing out (restarting): the tick is skipped and
 *   retried with backoff (1 s, 2 s, 4 s … up to the interval). The engine
 *   state is untouched, so the next good sample's deltas cover the whole time
 *   (a gap is recorded if it is long): nothing the counters still hold is lost.
 * - Database locked or unavailable: the write is retried with backoff inside
 *   the tick; if it still fails the tick is dropped and the state reloaded from
 *   the database (the write may have committed before the error), so the next
 *   tick neither loses nor double-counts.
 * - Killed (even SIGKILL): a tick is one transaction; the next start loads the
 *   last committed state.
 */

export type AgentCaller = {
  call<O extends AgentOp>(op: O, params: AgentParams<O>): Promise<AgentResult<O>>;
};

export type CollectorSettings = {
  intervalMs: number;
  /** Default per-key rate cap, bytes per second. */
  maxBytesPerSec: number;
  /** Re-read the inventory at least this often, even when nothing new shows up. */
  inventoryRefreshMs: number;
  /** Run `maintain` (retention, quotas) this often. */
  maintenanceEveryMs: number;
  /** Write attempts per tick before it is dropped. */
  writeAttempts: number;
};

export type CollectorDeps = {
  agent: AgentCaller;
  store: AccountingStore;
  logger: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Maintenance (retention, quota alerts), run between ticks. */
  maintain?: (now: number) => Promise<void>;
};

export type TickOutcome =
  | { ok: true; result: TickResult; durationMs: number }
  | { ok: false; stage: "load" | "agent" | "write"; error: unknown };

export type Collector = {
  /** One tick now (tests and the loop). */
  tick(): Promise<TickOutcome>;
  /** Runs the loop until stop(); resolves when it has stopped. */
  run(): Promise<void>;
  /** Asks the loop to stop after the tick in progress. */
  stop(): void;
};

/**
 * The collector's loop settings from the accounting settings. The inventory is
 * re-read whenever a sample shows an interface the state does not know (a
 * boot, a reboot, a rename, a new vif: a new MAC or bridge means a new vif), so
 * the periodic refresh only catches what changes under an interface that
 * stays — a domain renamed with `xl rename` (its vifs' keys follow from the
 * next refresh on; the bytes in between stay with the old name) — and the host
 * name. Every 15 minutes: an inventory of a large host is one of the agent's
 * most expensive calls (xl, xenstore and sysfs for every vif), while a tick's
 * counters are one read of /proc/net/dev.
 */
export function collectorSettingsOf(settings: { intervalMs: number; maxBytesPerSec: number }): CollectorSettings {
  return { intervalMs: settings.intervalMs, maxBytesPerSec: settings.maxBytesPerSec, inventoryRefreshMs: 900_000, maintenanceEveryMs: 300_000, writeAttempts: 5 };
}

export function engineOptionsFor(settings: CollectorSettings, capsByKey: ReadonlyMap<string, number>): EngineOptions {
  return {
    maxBytesPerSec: settings.maxBytesPerSec,
    maxBytesPerSecByKey: capsByKey,
    // Wraps are trusted across short outages only (see the delta engine's rule 3).
    wrapWindowMs: Math.max(300_000, 3 * settings.intervalMs),
    gapAfterMs: Math.round(2.5 * settings.intervalMs),
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createCollector(deps: CollectorDeps, settings: CollectorSettings): Collector {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const { logger, store, agent } = deps;
  let state: EngineState | null = null;
  let caps: ReadonlyMap<string, number> = new Map();
  let mapping = new Map<string, MappedInterface>();
  let inventory: TInventory | null = null;
  let mappedInventory: TInventory | null = null;
  let mappedNames = new Set<string>();
  let inventoryAt = -Infinity;
  let stopping = false;
  let wake: (() => void) | null = null;
  let lastMaintenance = -Infinity;

  const load = async () => {
    const loaded = await store.loadState();
    state = loaded.state;
    caps = loaded.capsByKey;
  };

  const refreshMapping = async (counters: TCounters, force: boolean) => {
    const stale = now() - inventoryAt > settings.inventoryRefreshMs;
    if (force || stale || !inventory) {
      try {
        inventory = await agent.call("inventory", {});
        inventoryAt = now();
      } catch (error) {
        // Keep the last mapping: interfaces it cannot key wait (unaccounted, not lost) for the next try.
        logger.warn({ err: error }, "collector: inventory unavailable, keying with the last one");
      }
    }
    if (!inventory) return;
    // Keying 8,000 interfaces every tick costs: map again only for a new inventory or new names.
    const names = counters.interfaces.map((i) => i.name);
    if (inventory !== mappedInventory || names.some((name) => !mappedNames.has(name))) {
      mapping = mapInterfaces(inventory, names);
      mappedInventory = inventory;
      mappedNames = new Set(names);
    }
  };

  const tick = async (): Promise<TickOutcome> => {
    const started = performance.now();
    if (!state) {
      try {
        await load();
      } catch (error) {
        return { ok: false, stage: "load", error };
      }
    }
    const prev = state as EngineState;
    let counters: TCounters;
    try {
      counters = await agent.call("counters", {});
      await refreshMapping(counters, needsFreshMapping(prev, counters));
    } catch (error) {
      return { ok: false, stage: "agent", error };
    }
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= settings.writeAttempts; attempt++) {
      try {
        const finals = await store.readFinalSamples();
        const result = computeDeltas(prev, counters, mapping, engineOptionsFor(settings, caps), finals);
        await store.recordTick(result, { writtenAt: now(), hostname: inventory?.host.hostname ?? null });
        state = result.state;
        logEvents(logger, result);
        const durationMs = performance.now() - started;
        // The 5-minute buckets this tick completed go to the hourly and daily ones (a no-op within a bucket).
        // A failure leaves them for the next tick or maintenance: the tick itself is stored.
        await store.rollUp().catch((error: unknown) => logger.warn({ err: error }, "collector: rollup failed, retried later"));
        return { ok: true, result, durationMs };
      } catch (error) {
        lastError = error;
        logger.warn({ err: error, attempt }, "collector: writing the tick failed, retrying");
        if (attempt < settings.writeAttempts) await sleep(Math.min(250 * 2 ** (attempt - 1), 4_000));
      }
    }
    // The write may have committed before the error: start again from what the database holds.
    state = null;
    return { ok: false, stage: "write", error: lastError };
  };

  const run = async () => {
    let failures = 0;
    while (!stopping) {
      const outcome = await tick();
      if (outcome.ok) {
        if (failures > 0) logger.info({ failures }, "collector: ticking again");
        failures = 0;
      } else {
        failures++;
        const log = failures === 1 || failures % 10 === 0 ? logger.warn.bind(logger) : logger.debug.bind(logger);
        log({ err: outcome.error, stage: outcome.stage, failures }, `collector: tick failed at ${outcome.stage}`);
      }
      if (deps.maintain && now() - lastMaintenance >= settings.maintenanceEveryMs) {
        lastMaintenance = now();
        await deps.maintain(now()).catch((error: unknown) => logger.warn({ err: error }, "collector: maintenance failed"));
      }
      if (stopping) break;
      // Ticks on interval boundaries; after failures, back off 1 s, 2 s, 4 s … up to the interval.
      const t = now();
      const delay = outcome.ok
        ? Math.ceil((t + 1) / settings.intervalMs) * settings.intervalMs - t
        : Math.min(1_000 * 2 ** Math.min(failures - 1, 10), settings.intervalMs);
      await Promise.race([sleep(delay), new Promise<void>((resolve) => (wake = resolve))]);
      wake = null;
    }
  };

  return {
    tick,
    run,
    stop() {
      stopping = true;
      wake?.();
    },
  };
}

function logEvents(logger: Logger, result: TickResult): void {
  for (const event of result.events) {
    switch (event.kind) {
      case "spike":
        logger.warn({ ...event, discarded: String(event.discarded), allowed: String(event.allowed) }, "accounting: impossible spike discarded");
        break;
      case "reset":
      case "gap":
      case "baseline":
        logger.info(event, `accounting: ${event.kind}`);
        break;
      case "opened":
      case "closed":
      case "renamed":
      case "wrap":
      case "unmapped":
      case "stale-sample":
        logger.debug(event, `accounting: ${event.kind}`);
        break;
    }
  }
}
