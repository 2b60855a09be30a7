import { setFlagsFromString } from "node:v8";

/**
 * Heap settings of the two long-running services, the agent and the
 * collector. Both work in short bursts (a tick, a call) and idle in between.
 *
 * - V8's memory reducer is turned off at run time (keepHeapBetweenBursts, the
 *   first thing each main.ts does): on each idle gap it shrank the heap and the
 *   young generation the burst had just grown, so the next burst ran many small
 *   scavenges and extra mark-compacts. Measured at 2,000 interfaces every 5 s
 *   (scripts/bench/accounting-vnstat.bench.ts, on a loaded machine): the
 *   collector spent ~40 ms of GC per tick with the reducer and ~18 ms without;
 *   the agent's CPU per tick went from ~19 to ~10 ms. Node warns that flags set
 *   after start may do nothing; this one measurably takes effect.
 *
 * - The young generation's size must be given when the process starts
 *   (SERVICE_NODE_FLAGS, on the node command line of every launcher: the
 *   systemd units, scripts/stack.ts, the npm scripts, the benchmark; a test
 *   holds them to this list). V8 starts it at 1 MB and grows it slowly, so a
 *   collector tick (~6 MB of short-lived objects at 2,000 interfaces) ran two
 *   scavenges, and what they copied — the state of the tick in progress — was
 *   promoted and paid for again by frequent mark-compacts, mostly on V8's
 *   background threads. With a fixed semi-space that holds several ticks, a
 *   scavenge finds only the latest tick's state alive and old space stops
 *   growing. Measured in the same benchmark after its warm-up (agent +
 *   collector CPU per tick): 53 ms with V8's default, 43 ms at 16 MB, 36 ms at
 *   32 MB. The cost is resident memory: up to two semi-spaces per process (~64 MB
 *   for the collector, ~32 MB for the agent; 48 MB more than V8's default
 *   measured for a process that allocates steadily).
 *
 * - The collector also turns off V8's allocation-site pretenuring. Its state
 *   (each incarnation's last counters, objects that live exactly one tick) is
 *   alive at most scavenges, so V8 learned to allocate those objects straight
 *   in old space: ~2 MB per tick at 2,000 interfaces, a mark-compact every ten
 *   ticks (old space 33 → 55 MB each time). Allocated young, they die young:
 *   one mark-compact in five minutes instead of six. Measured in the same
 *   benchmark with --trace-gc: collector CPU 1.32 → 0.97 s in 300 s (agent +
 *   collector 30.5 → 22.8 ms per tick).
 */
export const SERVICE_NODE_FLAGS = {
  agent: ["--min-semi-space-size=16", "--max-semi-space-size=16"],
  collector: ["--min-semi-space-size=32", "--max-semi-space-size=32", "--no-allocation-site-pretenuring"],
} as const satisfies Record<string, readonly string[]>;

export function keepHeapBetweenBursts(): void {
  setFlagsFromString("--no-memory-reducer");
}
