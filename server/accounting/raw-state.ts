import { RAW_COUNTER_NAMES, type RawCounters } from "./identity";

/**
 * The collector's persisted raw state as one blob (AccountingCollector.rawState):
 * the last raw counters of every open incarnation, written in the tick's
 * transaction. One statement with one value per tick, where a row update per
 * incarnation cost the collector's tick about as much as everything else it
 * writes (2,000 UPDATEs of ten bigints each, every 5 s, for counters only a
 * restart ever reads).
 *
 * Layout (version 2): the format version as a little-endian unsigned 64-bit
 * word, the newest `at` (epoch ms) as another, the number of entries as a
 * 32-bit one, then per incarnation
 * LEB128 varints: its row id as the zigzag difference from the previous
 * entry's (ids mostly come in order: a byte each), how much older its `at`
 * is than the newest (0 for all but incarnations closed before the tick),
 * and the eight raw counters in RAW_COUNTER_NAMES order (unsigned 64-bit in
 * the kernel; idle error and drop counters take a byte). About a third of
 * version 1's fixed 80 bytes per incarnation at realistic counter values, so
 * a third of the pages a tick writes for it. Version 1 (fixed words: id, at,
 * the counters) is still read, for a store written before.
 */

export type RawStateEntry = { id: number; at: number; raw: RawCounters };

const VERSION_FIXED = 1;
const VERSION_VARINT = 2;
const COUNTERS = RAW_COUNTER_NAMES.length;
const FIXED_ENTRY_BYTES = (2 + COUNTERS) * 8;
/** Version, newest `at`, entry count. */
const HEADER_BYTES = 20;
/** The most bytes one entry takes: ten per varint (64 bits), ten varints. */
const MAX_ENTRY_BYTES = 10 * (2 + COUNTERS);
const TWO_32 = 2 ** 32;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Writes varints into a buffer sized for the worst case. */
class VarintWriter {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  /** A non-negative safe integer. */
  number(value: number): void {
    const bytes = this.bytes;
    let v = value;
    while (v >= 0x80) {
      bytes[this.offset++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    bytes[this.offset++] = v;
  }

  /** An unsigned 64-bit counter: by numbers while it is a safe integer (almost always). */
  counter(value: bigint): void {
    if (value <= MAX_SAFE) {
      this.number(Number(value));
      return;
    }
    let v = value;
    while (v >= 0x80n) {
      this.bytes[this.offset++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.bytes[this.offset++] = Number(v);
  }
}

class VarintReader {
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    offset: number,
  ) {
    this.offset = offset;
  }

  private byte(): number {
    if (this.offset >= this.bytes.byteLength) throw new Error(`raw state: truncated at byte ${this.offset}`);
    return this.bytes[this.offset++] as number;
  }

  /** A varint of at most 64 bits, as a bigint. */
  counter(): bigint {
    // Numbers for the first 49 bits (seven bytes): exact, and all a counter below 2^49 needs.
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return BigInt(value);
      scale *= 0x80;
    }
    let big = BigInt(value);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        if (big >> 64n !== 0n) throw new Error(`raw state: a counter beyond 64 bits at byte ${this.offset}`);
        return big;
      }
    }
    throw new Error(`raw state: a varint longer than 10 bytes at byte ${this.offset}`);
  }

  /** A varint that must be a safe integer. */
  number(): number {
    const value = this.counter();
    if (value > MAX_SAFE) throw new Error(`raw state: ${value} is beyond a safe integer at byte ${this.offset}`);
    return Number(value);
  }
}

/** A difference of two safe integers (ids) as an unsigned zigzag value (bigint only beyond 2^52). */
function zigzag(n: number): bigint | number {
  if (Math.abs(n) <= 2 ** 51) return n >= 0 ? 2 * n : -2 * n - 1;
  const big = BigInt(n);
  return big >= 0n ? 2n * big : -2n * big - 1n;
}
function unzigzag(z: bigint): number {
  return Number(z % 2n === 0n ? z / 2n : -(z + 1n) / 2n);
}

export function encodeRawState(entries: readonly RawStateEntry[]): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + entries.length * MAX_ENTRY_BYTES);
  const view = new DataView(bytes.buffer);
  let newest = 0;
  for (const entry of entries) if (entry.at > newest) newest = entry.at;
  view.setUint32(0, VERSION_VARINT, true);
  view.setUint32(8, newest % TWO_32, true);
  view.setUint32(12, Math.floor(newest / TWO_32), true);
  view.setUint32(16, entries.length, true);
  const out = new VarintWriter(bytes);
  out.offset = HEADER_BYTES;
  let previousId = 0;
  for (const entry of entries) {
    const step = zigzag(entry.id - previousId);
    if (typeof step === "number") out.number(step);
    else out.counter(step);
    previousId = entry.id;
    out.number(newest - entry.at);
    const raw = entry.raw;
    out.counter(raw.rxBytes);
    out.counter(raw.txBytes);
    out.counter(raw.rxPackets);
    out.counter(raw.txPackets);
    out.counter(raw.rxErrors);
    out.counter(raw.txErrors);
    out.counter(raw.rxDrops);
    out.counter(raw.txDrops);
  }
  return bytes.subarray(0, out.offset);
}

/** The entries by incarnation id; throws on a blob this code did not write (the caller then falls back to the rows). */
export function decodeRawState(bytes: Uint8Array): Map<number, RawStateEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8) throw new Error(`raw state: ${bytes.byteLength} bytes hold no version`);
  const version = view.getBigUint64(0, true);
  if (version === BigInt(VERSION_FIXED)) return decodeFixed(bytes, view);
  if (version !== BigInt(VERSION_VARINT)) throw new Error(`raw state: unknown format version ${version}`);
  if (bytes.byteLength < HEADER_BYTES) throw new Error(`raw state: ${bytes.byteLength} bytes hold no header`);
  const newest = view.getUint32(8, true) + view.getUint32(12, true) * TWO_32;
  const count = view.getUint32(16, true);
  const entries = new Map<number, RawStateEntry>();
  const input = new VarintReader(bytes, HEADER_BYTES);
  let previousId = 0;
  for (let i = 0; i < count; i++) {
    const id = previousId + unzigzag(input.counter());
    if (!Number.isSafeInteger(id)) throw new Error(`raw state: an id beyond a safe integer at byte ${input.offset}`);
    previousId = id;
    const at = newest - input.number();
    const raw: RawCounters = {
      rxBytes: input.counter(),
      txBytes: input.counter(),
      rxPackets: input.counter(),
      txPackets: input.counter(),
      rxErrors: input.counter(),
      txErrors: input.counter(),
      rxDrops: input.counter(),
      txDrops: input.counter(),
    };
    entries.set(id, { id, at, raw });
  }
  if (input.offset !== bytes.byteLength) throw new Error(`raw state: ${bytes.byteLength - input.offset} bytes after its ${count} entries`);
  return entries;
}

function decodeFixed(bytes: Uint8Array, view: DataView): Map<number, RawStateEntry> {
  if ((bytes.byteLength - 8) % FIXED_ENTRY_BYTES !== 0) throw new Error(`raw state: ${bytes.byteLength} bytes is not a whole number of entries`);
  const entries = new Map<number, RawStateEntry>();
  for (let offset = 8; offset < bytes.byteLength; ) {
    const id = Number(view.getBigUint64(offset, true));
    const at = Number(view.getBigUint64(offset + 8, true));
    offset += 16;
    const raw = {} as RawCounters;
    for (let i = 0; i < COUNTERS; i++, offset += 8) raw[RAW_COUNTER_NAMES[i] as keyof RawCounters] = view.getBigUint64(offset, true);
    entries.set(id, { id, at, raw });
  }
  return entries;
}
