import { describe, expect, it } from "vitest";

import { RAW_COUNTER_NAMES, type RawCounters } from "./identity";
import { decodeRawState, encodeRawState, type RawStateEntry } from "./raw-state";

const MAX_64 = (1n << 64n) - 1n;

function entry(id: number, at: number, base: bigint): RawStateEntry {
  return {
    id,
    at,
    raw: { rxBytes: base, txBytes: base + 1n, rxPackets: base + 2n, txPackets: base + 3n, rxErrors: 0n, txErrors: 1n, rxDrops: 2n, txDrops: 3n },
  };
}

/** Version 1's fixed layout, as stores written before version 2 hold it. */
function encodeVersion1(entries: readonly RawStateEntry[]): Uint8Array {
  const bytes = new Uint8Array(8 + entries.length * 80);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, 1n, true);
  let offset = 8;
  for (const e of entries) {
    view.setBigUint64(offset, BigInt(e.id), true);
    view.setBigUint64(offset + 8, BigInt(e.at), true);
    offset += 16;
    for (const name of RAW_COUNTER_NAMES) {
      view.setBigUint64(offset, e.raw[name as keyof RawCounters], true);
      offset += 8;
    }
  }
  return bytes;
}

describe("raw state blob", () => {
  it("round-trips ids, times and unsigned 64-bit counters exactly", () => {
    const now = Date.UTC(2026, 5, 1, 12, 0, 0, 5);
    const entries = [
      entry(1, Date.UTC(2026, 0, 1), 0n),
      entry(2_000_000, now, MAX_64 - 3n),
      entry(7, 0, 1n << 63n),
      entry(8, now, 2n ** 53n - 2n),
      entry(3, now - 1, 2n ** 49n - 1n),
      entry(Number.MAX_SAFE_INTEGER, now, 127n),
    ];
    const decoded = decodeRawState(encodeRawState(entries));
    expect([...decoded.values()]).toEqual(entries);
    expect(decoded.get(2_000_000)?.raw.txPackets).toBe(MAX_64);
  });

  it("round-trips random counters of every magnitude", () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const entries: RawStateEntry[] = [];
    for (let id = 1; id <= 500; id++) {
      const raw = {} as RawCounters;
      for (const name of RAW_COUNTER_NAMES) {
        const bits = BigInt(next() % 65);
        raw[name as keyof RawCounters] = bits === 0n ? 0n : ((1n << bits) - 1n) & (BigInt(next()) * 0x9e3779b97f4a7c15n + BigInt(next()));
      }
      entries.push({ id: id * 7 - (next() % 5), at: 1_780_000_000_000 - (next() % 3) * 5_000, raw });
    }
    expect([...decodeRawState(encodeRawState(entries)).values()]).toEqual(entries);
  });

  it("takes about a third of version 1's bytes at realistic counter values", () => {
    const entries = Array.from({ length: 2_000 }, (_, i) => ({
      id: 1_000 + i,
      at: 1_780_000_000_000,
      // A month at a few Mbit/s: bytes ~10^12, packets ~10^9, a few errors and drops.
      raw: { rxBytes: 1_234_567_890_123n + BigInt(i), txBytes: 987_654_321_098n, rxPackets: 1_234_567_890n, txPackets: 987_654_321n, rxErrors: 0n, txErrors: 0n, rxDrops: 17n, txDrops: 0n },
    }));
    const bytes = encodeRawState(entries);
    expect(bytes.byteLength / entries.length).toBeLessThan(80 / 2.5);
    expect(decodeRawState(bytes).size).toBe(2_000);
  });

  it("holds an empty state", () => {
    expect(decodeRawState(encodeRawState([])).size).toBe(0);
  });

  it("reads version 1 blobs (stores written before version 2)", () => {
    const entries = [entry(1, 5, 10n), entry(9, 7, MAX_64 - 3n)];
    expect([...decodeRawState(encodeVersion1(entries)).values()]).toEqual(entries);
    expect(() => decodeRawState(encodeVersion1(entries).subarray(0, 80))).toThrow(/whole number/);
  });

  it("reads a blob that is a view into a larger buffer (as database drivers return them)", () => {
    const bytes = encodeRawState([entry(3, 10, 5n)]);
    const padded = new Uint8Array(bytes.byteLength + 16);
    padded.set(bytes, 8);
    expect(decodeRawState(padded.subarray(8, 8 + bytes.byteLength)).get(3)?.raw.rxBytes).toBe(5n);
  });

  it("refuses a truncated or padded blob, or an unknown version", () => {
    const bytes = encodeRawState([entry(3, 10, 5n), entry(4, 10, 1n << 60n)]);
    expect(() => decodeRawState(bytes.subarray(0, bytes.byteLength - 1))).toThrow(/truncated/);
    // Cut at the boundary between the two entries: the count says two.
    const first = encodeRawState([entry(3, 10, 5n)]);
    expect(() => decodeRawState(bytes.subarray(0, first.byteLength))).toThrow(/truncated/);
    const padded = new Uint8Array(bytes.byteLength + 1);
    padded.set(bytes);
    expect(() => decodeRawState(padded)).toThrow(/1 bytes after its 2 entries/);
    const other = bytes.slice();
    other[0] = 3;
    expect(() => decodeRawState(other)).toThrow(/version 3/);
  });
});
