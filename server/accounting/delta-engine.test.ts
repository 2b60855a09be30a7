import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { TInterfaceCounters } from "~/server/host/inventory";

import {
  computeDeltas,
  emptyEngineState,
  needsFreshMapping,
  type EngineOptions,
  type EngineState,
  type FinalSample,
  type TickResult,
} from "./delta-engine";
import type { MappedInterface } from "./identity";

const OPTIONS: EngineOptions = { maxBytesPerSec: 12.5e9, wrapWindowMs: 300_000, gapAfterMs: 25_000 };
const T0 = 1_750_000_000_000;
const S = 1000;

function guest(key: string, domid: number, over: Partial<MappedInterface> = {}): MappedInterface {
  return { key, kind: "guest", category: "guest", domain: key, devid: 0, vifname: key, domid, mac: "00:16:3e:00:00:01", bridge: "xenbr0", ...over };
}
function host(name: string): MappedInterface {
  return { key: name, kind: "host", category: "physical", domain: null, devid: null, vifname: null, domid: null, mac: null, bridge: null };
}
function iface(name: string, ifindex: number, rx: bigint, tx: bigint, over: Partial<TInterfaceCounters> = {}): TInterfaceCounters {
  return { name, ifindex, rxBytes: rx, txBytes: tx, rxPackets: 0n, txPackets: 0n, rxErrors: 0n, txErrors: 0n, rxDrops: 0n, txDrops: 0n, ...over };
}

/** Runs a scripted series of ticks and returns the per-key totals (in, out bytes) and every result. */
function run(
  ticks: Array<{ at: number; ifaces: TInterfaceCounters[]; mapping: Record<string, MappedInterface>; finals?: FinalSample[] }>,
  state: EngineState = emptyEngineState(),
  options: EngineOptions = OPTIONS,
) {
  const totals = new Map<string, { in: bigint; out: bigint }>();
  const results: TickResult[] = [];
  for (const tick of ticks) {
    const result = computeDeltas(state, { at: tick.at, interfaces: tick.ifaces }, new Map(Object.entries(tick.mapping)), options, tick.finals);
    for (const delta of result.deltas.values()) {
      const t = totals.get(delta.key) ?? { in: 0n, out: 0n };
      t.in += delta.counters.inBytes;
      t.out += delta.counters.outBytes;
      totals.set(delta.key, t);
    }
    results.push(result);
    state = result.state;
  }
  return { totals, results, state, events: results.flatMap((r) => r.events) };
}

describe("computeDeltas", () => {
  it("takes the first tick ever as a baseline, then counts cur - prev in the key's direction", () => {
    const m = { web1: guest("web1", 6), peth0: host("peth0") };
    const { totals, events } = run([
      { at: T0, ifaces: [iface("web1", 6, 1000n, 5000n), iface("peth0", 2, 50n, 60n)], mapping: m },
      { at: T0 + 10 * S, ifaces: [iface("web1", 6, 1500n, 5200n), iface("peth0", 2, 80n, 100n)], mapping: m },
    ]);
    expect(events[events.length - 1]).toBeDefined();
    expect(events.find((e) => e.kind === "baseline")).toMatchObject({ interfaces: 2 });
    // Guest: in = what it received = dom0 tx; out = what it sent = dom0 rx.
    expect(totals.get("web1")).toEqual({ in: 200n, out: 500n });
    expect(totals.get("peth0")).toEqual({ in: 30n, out: 40n });
  });

  it("reboot: new domid and ifindex under the same vifname is a new incarnation counting from its own counters", () => {
    // Capture 61/63: web1 was ifindex 6 (domid 1), rx 2240 tx 10464; after `xl reboot` ifindex 27 (domid 3), rx 504 tx 626.
    const { totals, results } = run([
      { at: T0, ifaces: [iface("web1", 6, 0n, 0n)], mapping: { web1: guest("web1", 1) } },
      { at: T0 + 10 * S, ifaces: [iface("web1", 6, 2240n, 10464n)], mapping: { web1: guest("web1", 1) } },
      { at: T0 + 20 * S, ifaces: [iface("web1", 27, 504n, 626n)], mapping: { web1: guest("web1", 3) } },
    ]);
    expect(totals.get("web1")).toEqual({ in: 10464n + 626n, out: 2240n + 504n });
    expect(results[2]?.closed).toMatchObject([{ ifindex: 6, reason: "gone", lastSeenAt: T0 + 10 * S }]);
    expect(results[2]?.opened).toMatchObject([{ ifindex: 27, domid: 3, key: "web1" }]);
  });

  it("reboot without vifname: vif6.0 becomes vif7.0, the same key db1/0", () => {
    const { totals } = run([
      { at: T0, ifaces: [iface("vif6.0", 20, 0n, 0n)], mapping: { "vif6.0": guest("db1/0", 6) } },
      { at: T0 + 10 * S, ifaces: [iface("vif6.0", 20, 300n, 400n)], mapping: { "vif6.0": guest("db1/0", 6) } },
      { at: T0 + 20 * S, ifaces: [iface("vif7.0", 25, 10n, 20n)], mapping: { "vif7.0": guest("db1/0", 7) } },
    ]);
    expect(totals.get("db1/0")).toEqual({ in: 420n, out: 310n });
  });

  it("32-bit wrap: a counter that goes down with both values under 2^32 in the same incarnation", () => {
    const m = { "vif5.0": guest("build/0", 5) };
    const near = (1n << 32n) - 1000n;
    const { totals, events } = run([
      { at: T0, ifaces: [iface("vif5.0", 9, 0n, 0n)], mapping: m },
      { at: T0 + 10 * S, ifaces: [iface("vif5.0", 9, near, 0n)], mapping: m },
      { at: T0 + 20 * S, ifaces: [iface("vif5.0", 9, 500n, 0n)], mapping: m },
    ]);
    expect(totals.get("build/0")?.out).toBe(near + 1500n);
    expect(events.filter((e) => e.kind === "wrap")).toHaveLength(1);
  });

  it("64-bit counters: large values count exactly; going down above 2^32 is a reset, never a wrap", () => {
    const m = { peth0: host("peth0") };
    const big = (1n << 62n) + 12345n;
    const { totals, events } = run([
      { at: T0, ifaces: [iface("peth0", 2, big, big)], mapping: m },
      { at: T0 + 10 * S, ifaces: [iface("peth0", 2, big + 9_000_000_000n, big + 1n)], mapping: m },
      { at: T0 + 20 * S, ifaces: [iface("peth0", 2, 700n, 800n)], mapping: m },
    ]);
    expect(totals.get("peth0")).toEqual({ in: 9_000_000_700n, out: 801n });
    expect(events.find((e) => e.kind === "reset")).toMatchObject({ reason: "went-down" });
    expect(events.some((e) => e.kind === "wrap")).toBe(false);
  });

  it("reset: when one counter was reset, every counter of the interface counts from zero", () => {
    const m = { peth0: host("peth0") };
    const { totals } = run([
      { at: T0, ifaces: [iface("peth0", 2, 0n, 0n)], mapping: m },
      { at: T0 + 10 * S, ifaces: [iface("peth0", 2, 5_000_000_000n, 100n)], mapping: m },
      // rx went down from above 2^32 (reset); tx went 100 -> 150 but counted from zero: 150.
      { at: T0 + 20 * S, ifaces: [iface("peth0", 2, 10n, 150n)], mapping: m },
    ]);
    expect(totals.get("peth0")).toEqual({ in: 5_000_000_010n, out: 250n });
  });

  it("a wrap whose delta is beyond the rate cap is a reset (a young 64-bit counter that was reset)", () => {
    const m = { "vif5.0": guest("build/0", 5) };
    const options = { ...OPTIONS, maxBytesPerSec: 1e6 };
    const { totals, events } = run(
      [
        { at: T0, ifaces: [iface("vif5.0", 9, 0n, 0n)], mapping: m },
        { at: T0 + 10 * S, ifaces: [iface("vif5.0", 9, 5_000_000n, 0n)], mapping: m },
        { at: T0 + 20 * S, ifaces: [iface("vif5.0", 9, 1000n, 0n)], mapping: m },
      ],
      emptyEngineState(),
      options,
    );
    expect(totals.get("build/0")?.out).toBe(5_001_000n);
    expect(events.find((e) => e.kind === "reset")).toMatchObject({ reason: "wrap-implausible" });
  });

  it("after a gap longer than the wrap window a counter that went down is a reset", () => {
    const m = { "vif5.0": guest("build/0", 5) };
    const { totals, events } = run([
      { at: T0, ifaces: [iface("vif5.0", 9, 0n, 0n)], mapping: m },
      { at: T0 + 10 * S, ifaces: [iface("vif5.0", 9, 4_000_000_000n, 0n)], mapping: m },
      { at: T0 + 3600 * S, ifaces: [iface("vif5.0", 9, 100n, 0n)], mapping: m },
    ]);
    expect(totals.get("build/0")?.out).toBe(4_000_000_100n);
    expect(events.find((e) => e.kind === "reset")).toMatchObject({ reason: "after-gap" });
    expect(events.find((e) => e.kind === "gap")).toEqual({ kind: "gap", from: T0 + 10 * S, to: T0 + 3600 * S });
  });

  it("rate cap: an impossible spike is discarded and reported, the raw value becomes the reference", () => {
    const m = { web1: guest("web1", 6) };
    const options = { ...OPTIONS, maxBytesPerSecByKey: new Map([["web1", 1000]]) };
    const { totals, events } = run(
      [
        { at: T0, ifaces: [iface("web1", 6, 0n, 0n)], mapping: m },
        { at: T0 + 10 * S, ifaces: [iface("web1", 6, 5000n, 0n)], mapping: m },
        { at: T0 + 20 * S, ifaces: [iface("web1", 6, 10_000_000n, 0n)], mapping: m },
        { at: T0 + 30 * S, ifaces: [iface("web1", 6, 10_004_000n, 0n)], mapping: m },
      ],
      emptyEngineState(),
      options,
    );
    expect(totals.get("web1")?.out).toBe(9000n);
    expect(events.find((e) => e.kind === "spike")).toMatchObject({ counter: "rxBytes", discarded: 9_995_000n, allowed: 10_000n });
  });

  it("HVM -emu twin: both interfaces count under the vif's key, and the twin's disappearance loses nothing", () => {
    const m = { winfront: guest("winfront", 4), "winfront-emu": guest("winfront", 4) };
    const { totals } = run([
      { at: T0, ifaces: [iface("winfront", 30, 0n, 0n), iface("winfront-emu", 31, 0n, 0n)], mapping: m },
      { at: T0 + 10 * S, ifaces: [iface("winfront", 30, 0n, 0n), iface("winfront-emu", 31, 700n, 900n)], mapping: m },
      { at: T0 + 40 * S, ifaces: [iface("winfront", 30, 50n, 60n), iface("winfront-emu", 31, 1700n, 1900n)], mapping: m },
      { at: T0 + 50 * S, ifaces: [iface("winfront", 30, 80n, 100n)], mapping: { winfront: guest("winfront", 4) } },
    ]);
    expect(totals.get("winfront")).toEqual({ in: 1900n + 100n, out: 1700n + 80n });
  });

  it("hotplug rename (vif7.0 -> web1, same ifindex and domid) continues the incarnation", () => {
    const { totals, results } = run([
      { at: T0, ifaces: [] as TInterfaceCounters[], mapping: {} },
      { at: T0 + 10 * S, ifaces: [iface("vif7.0", 40, 10n, 20n)], mapping: { "vif7.0": guest("web1", 7) } },
      { at: T0 + 20 * S, ifaces: [iface("web1", 40, 15n, 30n)], mapping: { web1: guest("web1", 7) } },
    ]);
    expect(totals.get("web1")).toEqual({ in: 30n, out: 15n });
    expect(results[2]?.events.find((e) => e.kind === "renamed")).toMatchObject({ from: "vif7.0", to: "web1" });
    expect(results[2]?.updated[0]?.kernelName).toBe("web1");
  });

  it("vifname changed in the config: after the reboot the vif is a new key; the old key's history ends", () => {
    const { totals } = run([
      { at: T0, ifaces: [iface("vif3.0", 8, 0n, 0n)], mapping: { "vif3.0": guest("dns/0", 3) } },
      { at: T0 + 10 * S, ifaces: [iface("vif3.0", 8, 100n, 200n)], mapping: { "vif3.0": guest("dns/0", 3) } },
      { at: T0 + 20 * S, ifaces: [iface("dns", 9, 5n, 6n)], mapping: { dns: guest("dns", 4) } },
    ]);
    expect(totals.get("dns/0")).toEqual({ in: 200n, out: 100n });
    expect(totals.get("dns")).toEqual({ in: 6n, out: 5n });
  });

  it("collector restart: the persisted state continues exactly, neither losing nor double-counting", () => {
    const m = { web1: guest("web1", 6) };
    const first = run([
      { at: T0, ifaces: [iface("web1", 6, 0n, 0n)], mapping: m },
      { at: T0 + 10 * S, ifaces: [iface("web1", 6, 100n, 100n)], mapping: m },
    ]);
    // What the store persists and loads back: a JSON round trip with bigints as strings.
    const persisted = JSON.parse(JSON.stringify(first.state, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v instanceof Map ? [...v] : v)), (_k, v: unknown) =>
      typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
    ) as { lastTickAt: number; incarnations: Array<[number, EngineState["incarnations"] extends Map<number, infer I> ? I : never]> };
    const restored: EngineState = { lastTickAt: persisted.lastTickAt, incarnations: new Map(persisted.incarnations) };
    const second = run([{ at: T0 + 45 * S, ifaces: [iface("web1", 6, 450n, 900n)], mapping: {} }], restored);
    expect(second.totals.get("web1")).toEqual({ in: 800n, out: 350n });
    expect(second.events.find((e) => e.kind === "gap")).toEqual({ kind: "gap", from: T0 + 10 * S, to: T0 + 45 * S });
  });

  it("final counters of a detach are recorded before the vif disappears", () => {
    const m = { "vif6.1": guest("web1/1", 6) };
    const final: FinalSample = { at: T0 + 15 * S, mapped: guest("web1/1", 6), counters: iface("vif6.1", 50, 400n, 900n) };
    const { totals, results } = run([
      { at: T0, ifaces: [iface("vif6.1", 50, 0n, 0n)], mapping: m },
      { at: T0 + 10 * S, ifaces: [iface("vif6.1", 50, 100n, 200n)], mapping: m },
      { at: T0 + 20 * S, ifaces: [], mapping: {}, finals: [final] },
    ]);
    expect(totals.get("web1/1")).toEqual({ in: 900n, out: 400n });
    expect(results[2]?.closed).toMatchObject([{ ifindex: 50, reason: "detached", lastSeenAt: T0 + 15 * S }]);
    expect(results[2]?.finalsApplied).toHaveLength(1);
  });

  it("a final sample later than the tick waits for the next tick", () => {
    const m = { "vif6.1": guest("web1/1", 6) };
    const final: FinalSample = { at: T0 + 25 * S, mapped: guest("web1/1", 6), counters: iface("vif6.1", 50, 400n, 900n) };
    const { totals, results } = run([
      { at: T0, ifaces: [iface("vif6.1", 50, 0n, 0n)], mapping: m },
      { at: T0 + 20 * S, ifaces: [iface("vif6.1", 50, 100n, 200n)], mapping: m, finals: [final] },
      { at: T0 + 30 * S, ifaces: [], mapping: {}, finals: [final] },
    ]);
    expect(results[1]?.finalsApplied).toHaveLength(0);
    expect(totals.get("web1/1")).toEqual({ in: 900n, out: 400n });
  });

  it("an interface the inventory does not know yet is left out, then counts from its own counters", () => {
    const { totals, events } = run([
      { at: T0, ifaces: [], mapping: {} },
      { at: T0 + 10 * S, ifaces: [iface("vif8.0", 60, 10n, 10n)], mapping: {} },
      { at: T0 + 20 * S, ifaces: [iface("vif8.0", 60, 30n, 50n)], mapping: { "vif8.0": guest("new/0", 8) } },
    ]);
    expect(events.some((e) => e.kind === "unmapped")).toBe(true);
    expect(totals.get("new/0")).toEqual({ in: 50n, out: 30n });
  });

  it("ignores a sample that is not newer than the last tick", () => {
    const m = { web1: guest("web1", 6) };
    const { totals, events } = run([
      { at: T0, ifaces: [iface("web1", 6, 0n, 0n)], mapping: m },
      { at: T0, ifaces: [iface("web1", 6, 10n, 0n)], mapping: m },
    ]);
    expect(totals.size).toBe(0);
    expect(events.some((e) => e.kind === "stale-sample")).toBe(true);
  });

  it("needsFreshMapping asks for an inventory when an ifindex or a name is new", () => {
    const { state } = run([{ at: T0, ifaces: [iface("web1", 6, 0n, 0n)], mapping: { web1: guest("web1", 6) } }]);
    expect(needsFreshMapping(state, { at: T0, interfaces: [iface("web1", 6, 1n, 1n), iface("lo", 1, 0n, 0n)] })).toBe(false);
    expect(needsFreshMapping(state, { at: T0, interfaces: [iface("web1", 7, 1n, 1n)] })).toBe(true);
    expect(needsFreshMapping(state, { at: T0, interfaces: [iface("web2", 6, 1n, 1n)] })).toBe(true);
  });
});

describe("computeDeltas properties", () => {
  type Step = { bytes: bigint; reboot: boolean; restart: boolean; skip: boolean };
  const stepArb = (bits: 32 | 64) =>
    fc.record({
      // At most one 32-bit wrap per interval: under 2^31 per step (skips add at most two steps).
      bytes: bits === 32 ? fc.bigInt({ min: 0n, max: (1n << 31n) - 1n }) : fc.bigInt({ min: 0n, max: 1n << 40n }),
      reboot: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
      restart: fc.boolean(),
      skip: fc.boolean(),
    });

  const check = (bits: 32 | 64, start: bigint, steps: Step[]) => {
    const mask = bits === 32 ? (1n << 32n) - 1n : (1n << 64n) - 1n;
    let state = emptyEngineState();
    let counter = start;
    let ifindex = 100;
    let domid = 1;
    let truth = 0n;
    let counted = 0n;
    let at = T0;
    let skipped = 0;
    const sample = () => {
      const name = `vif${domid}.0`;
      const mapping = new Map([[name, guest("k/0", domid)]]);
      const result = computeDeltas(state, { at, interfaces: [iface(name, ifindex, counter & mask, 0n)] }, mapping, { ...OPTIONS, maxBytesPerSec: 1e12 });
      counted += result.deltas.get("k/0")?.counters.outBytes ?? 0n;
      state = result.state;
    };
    sample();
    for (const step of steps) {
      at += 10 * S;
      counter += step.bytes;
      truth += step.bytes;
      // A skipped sample (collector down for one interval) only where it keeps one wrap at most.
      if (step.skip && skipped === 0 && !step.reboot && (bits === 64 || step.bytes < 1n << 30n)) {
        skipped++;
        continue;
      }
      skipped = 0;
      sample();
      if (step.restart) state = { lastTickAt: state.lastTickAt, incarnations: new Map([...state.incarnations].map(([k, v]) => [k, { ...v, raw: { ...v.raw } }])) };
      if (step.reboot) {
        // The guest reboots right after a sample: a new domid, ifindex and counters from zero.
        domid++;
        ifindex++;
        counter = 0n;
      }
    }
    if (skipped > 0) sample();
    expect(counted).toBe(truth);
  };

  it("delta sums equal the bytes moved, with 32-bit wraps, reboots, restarts and skipped samples", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), fc.array(stepArb(32), { maxLength: 60 }), (start, steps) => {
        // The first tick is a baseline: traffic counts from the start value on.
        check(32, start, steps);
      }),
      { numRuns: 300 },
    );
  });

  it("delta sums equal the bytes moved with 64-bit counters", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 62n }), fc.array(stepArb(64), { maxLength: 60 }), (start, steps) => {
        check(64, start, steps);
      }),
      { numRuns: 300 },
    );
  });
});
