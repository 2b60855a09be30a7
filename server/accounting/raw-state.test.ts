import { describe, expect, it } from "vitest";

import { decodeRawState, encodeRawState, type RawStateEntry } from "./raw-state";

const MAX_64 = (1n << 64n) - 1n;

function entry(id: number, at: number, base: bigint): RawStateEntry {
  return {
    id,
    at,
    raw: { rxBytes: base, txBytes: base + 1n, rxPackets: base + 2n, txPackets: base + 3n, rxErrors: 0n, txErrors: 1n, rxDrops: 2n, txDrops: 3n },
  };
}

describe("raw state blob", () => {
  it("round-trips ids, times and unsigned 64-bit counters exactly", () => {
    const entries = [entry(1, Date.UTC(2026, 0, 1), 0n), entry(2_000_000, Date.UTC(2026, 5, 1, 12, 0, 0, 5), MAX_64 - 3n), entry(7, 0, 1n << 63n)];
    const decoded = decodeRawState(encodeRawState(entries));
    expect([...decoded.values()]).toEqual(entries);
    expect(decoded.get(2_000_000)?.raw.txPackets).toBe(MAX_64);
  });

  it("holds an empty state", () => {
    expect(decodeRawState(encodeRawState([])).size).toBe(0);
  });

  it("reads a blob that is a view into a larger buffer (as database drivers return them)", () => {
    const bytes = encodeRawState([entry(3, 10, 5n)]);
    const padded = new Uint8Array(bytes.byteLength + 16);
    padded.set(bytes, 8);
    expect(decodeRawState(padded.subarray(8, 8 + bytes.byteLength)).get(3)?.raw.rxBytes).toBe(5n);
  });

  it("refuses a truncated blob or an unknown version", () => {
    const bytes = encodeRawState([entry(3, 10, 5n)]);
    expect(() => decodeRawState(bytes.subarray(0, bytes.byteLength - 8))).toThrow(/whole number/);
    const other = bytes.slice();
    other[0] = 2;
    expect(() => decodeRawState(other)).toThrow(/version 2/);
  });
});
