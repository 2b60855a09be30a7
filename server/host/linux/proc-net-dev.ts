import { HostError } from "~/server/host/driver";

/** One line of /proc/net/dev: the counters the inventory schema carries, as the kernel counts them. */
export type TProcNetDevRow = {
  name: string;
  rxBytes: bigint;
  rxPackets: bigint;
  rxErrors: bigint;
  rxDrops: bigint;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  txDrops: bigint;
};

/*
 * Columns after "name:": rx bytes packets errs drop fifo frame compressed multicast,
 * then tx bytes packets errs drop fifo colls carrier compressed.
 */
const RX_BYTES = 0;
const RX_PACKETS = 1;
const RX_ERRS = 2;
const RX_DROP = 3;
const TX_BYTES = 8;
const TX_PACKETS = 9;
const TX_ERRS = 10;
const TX_DROP = 11;
const FIELD_COUNT = 16;

/** Where each counter the row carries sits among a line's 16 fields. */
const WANTED: ReadonlyArray<readonly [number, keyof Omit<TProcNetDevRow, "name">]> = [
  [RX_BYTES, "rxBytes"],
  [RX_PACKETS, "rxPackets"],
  [RX_ERRS, "rxErrors"],
  [RX_DROP, "rxDrops"],
  [TX_BYTES, "txBytes"],
  [TX_PACKETS, "txPackets"],
  [TX_ERRS, "txErrors"],
  [TX_DROP, "txDrops"],
];
const FIELD_SLOT: readonly number[] = Array.from({ length: FIELD_COUNT }, (_, field) => WANTED.findIndex(([f]) => f === field));

/**
 * Parses /proc/net/dev. Interface names cannot contain ':' (the kernel refuses
 * them), so the first ':' ends the name even when a wide counter touches it.
 * Written for speed: it runs on every counter sample, over thousands of lines
 * (2,000 interfaces: 32,000 fields a read). Digits are summed as they are
 * scanned — no substring per field — and a field of more than 15 digits, past
 * what a double holds exactly, is read as a BigInt from its text.
 */
export function parseProcNetDev(text: string): TProcNetDevRow[] {
  const rows: TProcNetDevRow[] = [];
  const values = new Array<bigint>(WANTED.length);
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    lineNo += 1;
    if (lineNo <= 2) {
      if (lineNo === 1 && !text.startsWith("Inter-|", start)) {
        throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev: unexpected header "${text.slice(start, Math.min(end, start + 40))}"`);
      }
      start = end + 1;
      continue;
    }
    const colon = text.indexOf(":", start);
    if (colon === -1 || colon > end) {
      const line = text.slice(start, end);
      start = end + 1;
      if (line.trim() === "") continue;
      throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: no "name:" in "${line.slice(0, 60)}"`);
    }
    const name = text.slice(start, colon).trim();
    let fields = 0;
    let i = colon + 1;
    while (i < end) {
      while (i < end && text.charCodeAt(i) === 32) i++;
      if (i >= end) break;
      const from = i;
      let value = 0;
      while (i < end) {
        const c = text.charCodeAt(i);
        if (c === 32) break;
        if (c < 48 || c > 57) throw notACounter(text, from, end, lineNo);
        value = value * 10 + (c - 48);
        i++;
      }
      const slot = fields < FIELD_COUNT ? (FIELD_SLOT[fields] as number) : -1;
      if (slot !== -1) values[slot] = i - from <= SAFE_DIGITS ? (value === 0 ? ZERO : BigInt(value)) : BigInt(text.slice(from, i));
      fields++;
    }
    if (name === "" || fields < FIELD_COUNT) {
      throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: expected a name and ${FIELD_COUNT} counters`);
    }
    start = end + 1;
    rows.push({
      name,
      rxBytes: values[0] as bigint,
      rxPackets: values[1] as bigint,
      rxErrors: values[2] as bigint,
      rxDrops: values[3] as bigint,
      txBytes: values[4] as bigint,
      txPackets: values[5] as bigint,
      txErrors: values[6] as bigint,
      txDrops: values[7] as bigint,
    });
  }
  return rows;
}

/** Up to 15 digits a double holds exactly (2^53 has 16). */
const SAFE_DIGITS = 15;
/** Most error and drop counters are 0: one shared value instead of a BigInt each. */
const ZERO = 0n;

function notACounter(text: string, from: number, end: number, lineNo: number): HostError {
  let to = from;
  while (to < end && text.charCodeAt(to) !== 32) to++;
  return new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: "${text.slice(from, to)}" is not a counter`);
}
