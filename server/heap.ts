import { setFlagsFromString } from "node:v8";

/**
 * Turns off V8's memory reducer for this process; the agent and the collector
 * call it first thing. Both work in short bursts (a tick, a call) and idle in
 * between, and on each idle gap the reducer shrank the heap and the young
 * generation the burst had just grown: the next burst then ran many small
 * scavenges and extra mark-compacts. Measured at 2,000 interfaces every 5 s
 * (scripts/bench/accounting-vnstat.bench.ts, durations of PerformanceObserver
 * "gc" entries over the same minutes, on a loaded machine): the collector spent
 * ~40 ms of GC per tick with the reducer and ~18 ms without, for a heap that
 * grows to ~55 MB between mark-compacts instead of being cut back to ~35 MB
 * after every tick; the agent's CPU per tick went from ~19 to ~10 ms. Set at run
 * time because the services start through tsx, without node flags; Node warns
 * that flags set after start may do nothing, but this one measurably takes
 * effect (and if it ever did not, only the GC saving would be lost).
 */
export function keepHeapBetweenBursts(): void {
  setFlagsFromString("--no-memory-reducer");
}
