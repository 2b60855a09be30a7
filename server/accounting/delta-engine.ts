import type { TCounters, TInterfaceCounters } from "~/server/host/inventory";

import {
  RAW_COUNTER_NAMES,
  addKeyCounters,
  isIgnoredInterface,
  toKeyDirection,
  type KeyCounters,
  type KeyKind,
  type MappedInterface,
  type RawCounters,
} from "./identity";

/**
 * The delta engine: raw kernel counters in, exact per-key deltas out. Pure:
 * no I/O, no clock; the collector feeds it samples and persists what it returns.
 *
 * ## The rules
 *
 * 1. Incarnation. Each appearance of a kernel interface is an incarnation,
 *    identified by its ifindex (unique among live interfaces) and checked
 *    against the inventory: a sample belongs to the incarnation the state holds
 *    for its ifindex only if the mapping gives the same key and the same domid
 *    (guest) — a hotplug rename (`vif7.0` → `web1`, same ifindex) stays the
 *    same incarnation; for a host interface the kernel name must match too.
 *    Otherwise the old incarnation is closed and a new one opened.
 * 2. Within one incarnation the delta is `cur - prev` for each counter.
 * 3. A counter that went down is a 32-bit wrap only when both values fit in
 *    32 bits, the incarnation is the same, and the previous sample is recent
 *    (within `wrapWindowMs`; across a longer gap wraps are ambiguous and a host
 *    reboot looks the same): then the delta is `2^32 - prev + cur`. If that
 *    wrap delta is beyond the key's rate cap it is taken as a reset instead.
 *    Otherwise the counter was reset. If any counter of an interface was
 *    reset, the whole interface was: every counter's delta is then its current
 *    value (it counted from zero since the reset).
 * 4. A new incarnation starts from its own counters: its delta is its current
 *    value (the kernel starts a new interface at zero). The one exception is
 *    the store's very first tick (no previous tick at all): its counters are
 *    taken as a baseline, since when they accumulated is unknown.
 * 5. Rate cap per key (bytes/s; packets, drops and errors at 1/40 of it, no
 *    frame being under 40 bytes): a delta beyond `cap × elapsed` (elapsed at
 *    least 1 s) is impossible, so it is discarded (counted as 0) and reported
 *    as a `spike` event; the raw value is still taken as the new reference.
 * 6. A tick more than `gapAfterMs` after the previous one records a gap (the
 *    collector or the agent was down). The deltas across a gap are still exact
 *    (the counters held them); the store spreads them over the gap.
 * 7. Final counters (read by the agent just before a detach) are applied
 *    before the sample they precede: the incarnation's last delta, then the
 *    incarnation is closed. An interface in the state and missing from the
 *    sample is closed at its last sample (what it moved since is unknowable).
 * 8. An interface the mapping cannot key (a `vif<domid>.<n>` the inventory
 *    does not list yet) is left out of the state; once mapped, it is a new
 *    incarnation and counts from its own counters, so nothing is lost.
 */

export const COUNTER_MAX_32 = (1n << 32n) - 1n;
const WRAP_32 = 1n << 32n;
/** No Ethernet frame the kernel counts is under 40 bytes: the packet cap is the byte cap / 40. */
const MIN_FRAME_BYTES = 40n;

export type IncarnationState = {
  ifindex: number;
  kernelName: string;
  key: string;
  kind: KeyKind;
  /** The guest's domid; null for host interfaces. */
  domid: number | null;
  /** Last raw counters (kernel direction). */
  raw: RawCounters;
  /** When `raw` was read (ms). */
  at: number;
  firstSeenAt: number;
};

export type EngineState = {
  /** The last tick's sample time (ms); null before the first tick ever. */
  lastTickAt: number | null;
  /** Open incarnations by ifindex. */
  incarnations: Map<number, IncarnationState>;
};

export type EngineOptions = {
  /** Default rate cap, bytes per second per key and direction. */
  maxBytesPerSec: number;
  /** Per-key overrides of the cap. */
  maxBytesPerSecByKey?: ReadonlyMap<string, number>;
  /** A counter that went down counts as a 32-bit wrap only if the previous sample is at most this old. */
  wrapWindowMs: number;
  /** A tick later than this after the previous one records a gap. */
  gapAfterMs: number;
};

/** Counters the agent read just before detaching a vif, with the vif's identity. */
export type FinalSample = {
  at: number;
  mapped: MappedInterface;
  counters: TInterfaceCounters;
};

export type CloseReason = "gone" | "replaced" | "detached";

export type AccountingEvent =
  | { kind: "baseline"; at: number; interfaces: number }
  | { kind: "gap"; from: number; to: number }
  | { kind: "stale-sample"; at: number; lastTickAt: number }
  | { kind: "opened"; at: number; key: string; kernelName: string; ifindex: number; domid: number | null }
  | { kind: "closed"; at: number; key: string; kernelName: string; ifindex: number; reason: CloseReason }
  | { kind: "renamed"; at: number; key: string; ifindex: number; from: string; to: string }
  | { kind: "unmapped"; at: number; kernelName: string; ifindex: number }
  | { kind: "wrap"; at: number; key: string; kernelName: string; ifindex: number; counter: keyof RawCounters }
  | {
      kind: "reset";
      at: number;
      key: string;
      kernelName: string;
      ifindex: number;
      reason: "went-down" | "wrap-implausible" | "after-gap";
    }
  | {
      kind: "spike";
      at: number;
      key: string;
      kernelName: string;
      ifindex: number;
      counter: keyof RawCounters;
      discarded: bigint;
      allowed: bigint;
    };

/** What one key moved in one tick, in the key's direction, over (from, to]. */
export type KeyDelta = { key: string; kind: KeyKind; counters: KeyCounters; from: number; to: number };

export type OpenedIncarnation = IncarnationState & { mapped: MappedInterface };
/** `raw`: the incarnation's last raw counters (read at `lastSeenAt`). */
export type ClosedIncarnation = { ifindex: number; key: string; kernelName: string; lastSeenAt: number; reason: CloseReason; raw: RawCounters };

export type TickResult = {
  state: EngineState;
  deltas: Map<string, KeyDelta>;
  /** New incarnations (their raw values are in `state`). */
  opened: OpenedIncarnation[];
  /** Incarnations that continue, with new raw values (and maybe a new kernel name). */
  updated: IncarnationState[];
  closed: ClosedIncarnation[];
  events: AccountingEvent[];
  /** Final samples consumed (their `at`s), so the store can clear its inbox. */
  finalsApplied: FinalSample[];
};

/** What one counter may move over an elapsed time under a byte rate cap (rule 5). */
export type Allowance = { bytes: bigint; packets: bigint };

export function allowanceFor(bytesPerSec: number, elapsedMs: number): Allowance {
  const seconds = Math.max(elapsedMs, 1000) / 1000;
  const bytes = BigInt(Math.ceil(bytesPerSec * seconds));
  return { bytes, packets: bytes / MIN_FRAME_BYTES + 1n };
}

/** Where an event happened (built only when one is raised: the hot path allocates nothing for it). */
function whereOf(at: number, context: { key: string; kernelName: string; ifindex: number }) {
  return { at, key: context.key, kernelName: context.kernelName, ifindex: context.ifindex };
}

/** Whether a counter (by its index in RAW_COUNTER_NAMES) counts bytes; the others count frames. */
const IS_BYTE_COUNTER: readonly boolean[] = RAW_COUNTER_NAMES.map((name) => name.endsWith("Bytes"));
const COUNTERS = RAW_COUNTER_NAMES.length;

/**
 * The deltas of one incarnation between two readings (rules 2, 3, 5), in the
 * kernel's direction, plus the events they raise.
 */
export function computeIncarnationDelta(
  prev: { raw: RawCounters; at: number } | null,
  cur: RawCounters,
  at: number,
  since: number,
  context: { key: string; kernelName: string; ifindex: number; maxBytesPerSec: number; wrapWindowMs: number },
  allowance: Allowance = allowanceFor(context.maxBytesPerSec, at - (prev?.at ?? since)),
): { delta: RawCounters; events: AccountingEvent[] } {
  const events: AccountingEvent[] = [];
  return { delta: incarnationDeltaOf(prev, cur, at, context, allowance, events), events };
}

const ZERO = 0n;

/**
 * computeIncarnationDelta's body, pushing its events into `events`: the hot
 * path of a tick (one call per interface), which allocates nothing but the
 * delta and the counters that moved unless an event is raised.
 */
function incarnationDeltaOf(
  prev: { raw: RawCounters; at: number } | null,
  cur: RawCounters,
  at: number,
  context: { key: string; kernelName: string; ifindex: number; wrapWindowMs: number },
  allowance: Allowance,
  events: AccountingEvent[],
): RawCounters {
  const delta = copyRaw(cur);
  if (prev) {
    const wrapAllowed = at - prev.at <= context.wrapWindowMs;
    let reset: "went-down" | "wrap-implausible" | "after-gap" | null = null;
    let wraps = 0;
    for (let i = 0; i < COUNTERS; i++) {
      const name = RAW_COUNTER_NAMES[i] as keyof RawCounters;
      const p = prev.raw[name];
      const c = cur[name];
      if (c === p) {
        // Most error and drop counters never move: no BigInt subtraction (and allocation) for them.
        delta[name] = ZERO;
      } else if (c > p) {
        delta[name] = c - p;
      } else if (wrapAllowed && p <= COUNTER_MAX_32 && c <= COUNTER_MAX_32) {
        const wrapped = WRAP_32 - p + c;
        delta[name] = wrapped;
        wraps |= 1 << i;
        if (wrapped > (IS_BYTE_COUNTER[i] ? allowance.bytes : allowance.packets)) reset ??= "wrap-implausible";
      } else {
        reset = wrapAllowed ? "went-down" : "after-gap";
        break;
      }
    }
    if (reset) {
      events.push({ kind: "reset", ...whereOf(at, context), reason: reset });
      // Rule 3: the whole interface was reset; every counter counted from zero since.
      Object.assign(delta, cur);
    } else if (wraps !== 0) {
      for (let i = 0; i < COUNTERS; i++) {
        if (wraps & (1 << i)) events.push({ kind: "wrap", ...whereOf(at, context), counter: RAW_COUNTER_NAMES[i] as keyof RawCounters });
      }
    }
  }
  for (let i = 0; i < COUNTERS; i++) {
    const name = RAW_COUNTER_NAMES[i] as keyof RawCounters;
    const allowed = IS_BYTE_COUNTER[i] ? allowance.bytes : allowance.packets;
    if (delta[name] > allowed) {
      events.push({ kind: "spike", ...whereOf(at, context), counter: name, discarded: delta[name], allowed });
      delta[name] = ZERO;
    }
  }
  return delta;
}

/** A copy with one fixed shape (faster than a spread on the hot path). */
function copyRaw(counters: RawCounters): RawCounters {
  return rawOf(counters);
}

function rawOf(counters: RawCounters): RawCounters {
  return {
    rxBytes: counters.rxBytes,
    txBytes: counters.txBytes,
    rxPackets: counters.rxPackets,
    txPackets: counters.txPackets,
    rxErrors: counters.rxErrors,
    txErrors: counters.txErrors,
    rxDrops: counters.rxDrops,
    txDrops: counters.txDrops,
  };
}

/**
 * One tick: applies the final samples due, then the sample, to the state.
 * `mapping` keys the sample's interfaces (from the inventory); it is trusted
 * for new incarnations, so the caller refreshes it when the sample shows an
 * ifindex the state does not know (see `needsFreshMapping`).
 */
export function computeDeltas(
  prev: EngineState,
  sample: TCounters,
  mapping: ReadonlyMap<string, MappedInterface>,
  options: EngineOptions,
  finals: readonly FinalSample[] = [],
): TickResult {
  const at = sample.at;
  const result: TickResult = {
    state: { lastTickAt: prev.lastTickAt, incarnations: new Map(prev.incarnations) },
    deltas: new Map(),
    opened: [],
    updated: [],
    closed: [],
    events: [],
    finalsApplied: [],
  };
  if (prev.lastTickAt !== null && at <= prev.lastTickAt) {
    result.events.push({ kind: "stale-sample", at, lastTickAt: prev.lastTickAt });
    return result;
  }
  const state = result.state.incarnations;
  const since = prev.lastTickAt ?? at;
  const baseline = prev.lastTickAt === null;
  const capOf = (key: string) => options.maxBytesPerSecByKey?.get(key) ?? options.maxBytesPerSec;
  // Most interfaces share a cap and an elapsed time: one allowance each, not one per interface
  // (and the last one asked for is almost always the one asked for next).
  const allowances = new Map<number, Map<number, Allowance>>();
  let last: { cap: number; elapsedMs: number; allowance: Allowance } | null = null;
  const allowanceOf = (cap: number, elapsedMs: number): Allowance => {
    if (last && last.cap === cap && last.elapsedMs === elapsedMs) return last.allowance;
    let byElapsed = allowances.get(cap);
    if (!byElapsed) allowances.set(cap, (byElapsed = new Map()));
    let allowance = byElapsed.get(elapsedMs);
    if (!allowance) byElapsed.set(elapsedMs, (allowance = allowanceFor(cap, elapsedMs)));
    last = { cap, elapsedMs, allowance };
    return allowance;
  };

  const addDelta = (key: string, kind: KeyKind, raw: RawCounters) => {
    const entry = result.deltas.get(key);
    if (entry) addKeyCounters(entry.counters, toKeyDirection(raw, kind));
    else result.deltas.set(key, { key, kind, counters: toKeyDirection(raw, kind), from: since, to: at });
  };
  const close = (inc: IncarnationState, lastSeenAt: number, reason: CloseReason) => {
    state.delete(inc.ifindex);
    result.closed.push({ ifindex: inc.ifindex, key: inc.key, kernelName: inc.kernelName, lastSeenAt, reason, raw: inc.raw });
    result.events.push({ kind: "closed", at: lastSeenAt, key: inc.key, kernelName: inc.kernelName, ifindex: inc.ifindex, reason });
  };
  const open = (mapped: MappedInterface, counters: TInterfaceCounters, seenAt: number) => {
    const raw = rawOf(counters);
    const inc: OpenedIncarnation = {
      ifindex: counters.ifindex,
      kernelName: counters.name,
      key: mapped.key,
      kind: mapped.kind,
      domid: mapped.domid,
      raw,
      at: seenAt,
      firstSeenAt: seenAt,
      mapped,
    };
    result.opened.push(inc);
    result.events.push({ kind: "opened", at: seenAt, key: mapped.key, kernelName: counters.name, ifindex: counters.ifindex, domid: mapped.domid });
    if (!baseline) {
      const cap = capOf(mapped.key);
      const delta = incarnationDeltaOf(
        null,
        raw,
        seenAt,
        { key: mapped.key, kernelName: counters.name, ifindex: counters.ifindex, wrapWindowMs: options.wrapWindowMs },
        allowanceOf(cap, seenAt - since),
        result.events,
      );
      addDelta(mapped.key, mapped.kind, delta);
    }
    const { mapped: _mapped, ...stateOnly } = inc;
    return stateOnly;
  };
  const advance = (inc: IncarnationState, counters: TInterfaceCounters, seenAt: number): IncarnationState => {
    const raw = rawOf(counters);
    const cap = capOf(inc.key);
    const context = { key: inc.key, kernelName: counters.name, ifindex: inc.ifindex, wrapWindowMs: options.wrapWindowMs };
    const delta = incarnationDeltaOf(inc, raw, seenAt, context, allowanceOf(cap, seenAt - inc.at), result.events);
    addDelta(inc.key, inc.kind, delta);
    if (counters.name !== inc.kernelName) {
      result.events.push({ kind: "renamed", at: seenAt, key: inc.key, ifindex: inc.ifindex, from: inc.kernelName, to: counters.name });
    }
    return { ifindex: inc.ifindex, kernelName: counters.name, key: inc.key, kind: inc.kind, domid: inc.domid, raw, at: seenAt, firstSeenAt: inc.firstSeenAt };
  };

  // Rule 7: final counters of detached vifs, in time order, up to this sample.
  const finalized = new Map<number, string>();
  for (const final of [...finals].sort((a, b) => a.at - b.at)) {
    if (final.at > at) continue;
    result.finalsApplied.push(final);
    const inc = state.get(final.counters.ifindex);
    if (inc && inc.key === final.mapped.key && inc.domid === final.mapped.domid) {
      if (final.at > inc.at) {
        const next = advance(inc, final.counters, final.at);
        close(next, final.at, "detached");
      } else {
        close(inc, inc.at, "detached");
      }
    } else {
      if (inc) close(inc, inc.at, "replaced");
      close(open(final.mapped, final.counters, final.at), final.at, "detached");
    }
    finalized.set(final.counters.ifindex, final.counters.name);
  }

  if (prev.lastTickAt !== null && at - prev.lastTickAt > options.gapAfterMs) {
    result.events.push({ kind: "gap", from: prev.lastTickAt, to: at });
  }

  const seen = new Set<number>();
  const updated = new Map<number, IncarnationState>();
  for (const counters of sample.interfaces) {
    if (isIgnoredInterface(counters.name)) continue;
    // A vif whose final counters were just applied is gone; a late reading of it must not reopen it.
    if (finalized.get(counters.ifindex) === counters.name) continue;
    seen.add(counters.ifindex);
    const inc = state.get(counters.ifindex);
    const mapped = mapping.get(counters.name);
    if (inc) {
      const same = mapped
        ? mapped.key === inc.key && mapped.domid === inc.domid && (mapped.kind === "guest" || counters.name === inc.kernelName)
        : counters.name === inc.kernelName;
      if (same) {
        const next = advance(inc, counters, at);
        state.set(inc.ifindex, next);
        updated.set(inc.ifindex, next);
        continue;
      }
      if (!mapped) {
        // Renamed to something the mapping does not know yet: wait for a fresh inventory.
        result.events.push({ kind: "unmapped", at, kernelName: counters.name, ifindex: counters.ifindex });
        continue;
      }
      close(inc, inc.at, "replaced");
    }
    if (!mapped) {
      result.events.push({ kind: "unmapped", at, kernelName: counters.name, ifindex: counters.ifindex });
      continue;
    }
    state.set(counters.ifindex, open(mapped, counters, at));
  }
  for (const inc of [...state.values()]) {
    if (!seen.has(inc.ifindex)) close(inc, inc.at, "gone");
  }
  result.updated = [...updated.values()].filter((inc) => state.get(inc.ifindex) === inc);
  if (baseline) result.events.push({ kind: "baseline", at, interfaces: result.opened.length });
  result.state.lastTickAt = at;
  return result;
}

/**
 * Whether the mapping must be rebuilt from a fresh inventory before this
 * sample is applied: an interface whose ifindex the state does not know, or
 * known under another name, that the mapping does not key (or keys from an
 * inventory older than the interface).
 */
export function needsFreshMapping(state: EngineState, sample: TCounters): boolean {
  return sample.interfaces.some((counters) => {
    if (isIgnoredInterface(counters.name)) return false;
    const inc = state.incarnations.get(counters.ifindex);
    return !inc || inc.kernelName !== counters.name;
  });
}

export function emptyEngineState(): EngineState {
  return { lastTickAt: null, incarnations: new Map() };
}
