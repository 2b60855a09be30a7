import { RAW_COUNTER_NAMES, type RawCounters } from "./identity";

/**
 * The collector's persisted raw state as one blob (AccountingCollector.rawState):
 * the last raw counters of every open incarnation, written in the tick's
 * transaction. One statement with one value per tick, where a row update per
 * incarnation cost the collector's tick about as much as everything else it
 * writes (2,000 UPDATEs of ten bigints each, every 5 s, for counters only a
 * restart ever reads).
 *
 * Layout: little-endian unsigned 64-bit words — the format version (1), then
 * per incarnation its row id, `at` (epoch ms, when the counters were read) and
 * the eight raw counters in RAW_COUNTER_NAMES order. Raw counters are unsigned
 * 64-bit in the kernel, so they fit exactly.
 */

export type RawStateEntry = { id: number; at: number; raw: RawCounters };

const VERSION = 1n;
const WORDS_PER_ENTRY = 2 + RAW_COUNTER_NAMES.length;
const ENTRY_BYTES = WORDS_PER_ENTRY * 8;

export function encodeRawState(entries: readonly RawStateEntry[]): Uint8Array {
  const bytes = new Uint8Array(8 + entries.length * ENTRY_BYTES);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, VERSION, true);
  let offset = 8;
  for (const entry of entries) {
    // id and at are safe integers: two 32-bit halves each, no BigInt per entry.
    view.setUint32(offset, entry.id % 2 ** 32, true);
    view.setUint32(offset + 4, Math.floor(entry.id / 2 ** 32), true);
    view.setUint32(offset + 8, entry.at % 2 ** 32, true);
    view.setUint32(offset + 12, Math.floor(entry.at / 2 ** 32), true);
    offset += 16;
    const raw = entry.raw;
    for (let i = 0; i < RAW_COUNTER_NAMES.length; i++, offset += 8) view.setBigUint64(offset, raw[RAW_COUNTER_NAMES[i] as keyof RawCounters], true);
  }
  return bytes;
}

/** The entries by incarnation id; throws on a blob this code did not write (the caller then falls back to the rows). */
export function decodeRawState(bytes: Uint8Array): Map<number, RawStateEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || (bytes.byteLength - 8) % ENTRY_BYTES !== 0) throw new Error(`raw state: ${bytes.byteLength} bytes is not a whole number of entries`);
  const version = view.getBigUint64(0, true);
  if (version !== VERSION) throw new Error(`raw state: unknown format version ${version}`);
  const entries = new Map<number, RawStateEntry>();
  for (let offset = 8; offset < bytes.byteLength; ) {
    const id = Number(view.getBigUint64(offset, true));
    const at = Number(view.getBigUint64(offset + 8, true));
    offset += 16;
    const raw = {} as RawCounters;
    for (let i = 0; i < RAW_COUNTER_NAMES.length; i++, offset += 8) raw[RAW_COUNTER_NAMES[i] as keyof RawCounters] = view.getBigUint64(offset, true);
    entries.set(id, { id, at, raw });
  }
  return entries;
}
