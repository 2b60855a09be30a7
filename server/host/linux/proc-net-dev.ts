import { HostError } from "~/server/host/driver";
import { COUNTER_NAMES, countersOfColumns, type TInterfaceCounters } from "~/server/host/inventory";

/*
 * Columns after "name:": rx bytes packets errs drop fifo frame compressed multicast,
 * then tx bytes packets errs drop fifo colls carrier compressed.
 */
const FIELD_COUNT = 16;

/** Where each of a line's 16 fields goes among an interface's eight values (COUNTER_NAMES order), or -1. */
const FIELD_SLOT: readonly number[] = Array.from({ length: FIELD_COUNT }, (_, field) => {
  const at = ["rxBytes", "rxPackets", "rxErrors", "rxDrops", "", "", "", "", "txBytes", "txPackets", "txErrors", "txDrops"][field];
  return at ? COUNTER_NAMES.indexOf(at as (typeof COUNTER_NAMES)[number]) : -1;
});
const COUNTERS = COUNTER_NAMES.length;

/** /proc/net/dev as columns: names, and each interface's eight counters in COUNTER_NAMES order (see TCounterColumns). */
export type ProcNetDevColumns = { names: string[]; values: Array<number | string> };

/**
 * Parses /proc/net/dev from its bytes (the first `length` of them: a reader's
 * reused buffer). Interface names cannot contain ':' (the kernel refuses
 * them), so the first ':' ends the name even when a wide counter touches it.
 * Written for speed: it runs on every counter sample, over thousands of lines
 * (2,000 interfaces: 32,000 fields a read). It reads bytes, not a string of
 * the file (no copy of ~250 KB per read); digits are summed as they are
 * scanned — no substring per field, no object or bigint per interface — and a
 * field of more than 15 digits, past what a double is sure to hold exactly, is
 * read from its text: a number if it is a safe integer, else its decimal string.
 */
export function parseProcNetDevColumns(bytes: Buffer, length = bytes.length): ProcNetDevColumns {
  const names: string[] = [];
  const values: Array<number | string> = [];
  // Bytes as text, each byte one character (latin1), as the kernel wrote them.
  const text = (from: number, to: number) => bytes.toString("latin1", from, to);
  let start = 0;
  let lineNo = 0;
  while (start < length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end === -1 || end > length) end = length;
    lineNo += 1;
    if (lineNo <= 2) {
      if (lineNo === 1 && text(start, Math.min(end, start + HEADER.length)) !== HEADER) {
        throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev: unexpected header "${text(start, Math.min(end, start + 40))}"`);
      }
      start = end + 1;
      continue;
    }
    let colon = bytes.indexOf(COLON, start);
    if (colon > end) colon = -1;
    if (colon === -1) {
      const line = text(start, end);
      start = end + 1;
      if (line.trim() === "") continue;
      throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: no "name:" in "${line.slice(0, 60)}"`);
    }
    let nameFrom = start;
    while (nameFrom < colon && bytes[nameFrom] === SPACE) nameFrom++;
    let nameTo = colon;
    while (nameTo > nameFrom && bytes[nameTo - 1] === SPACE) nameTo--;
    const name = text(nameFrom, nameTo);
    const base = values.length;
    for (let c = 0; c < COUNTERS; c++) values.push(0);
    let fields = 0;
    let i = colon + 1;
    while (i < end) {
      while (i < end && bytes[i] === SPACE) i++;
      if (i >= end) break;
      const from = i;
      let value = 0;
      while (i < end) {
        const c = bytes[i] as number;
        if (c === SPACE) break;
        if (c < 48 || c > 57) throw notACounter(text, from, end, lineNo, bytes);
        value = value * 10 + (c - 48);
        i++;
      }
      const slot = fields < FIELD_COUNT ? (FIELD_SLOT[fields] as number) : -1;
      if (slot !== -1) values[base + slot] = i - from <= SAFE_DIGITS ? value : wide(text(from, i));
      fields++;
    }
    if (name === "" || fields < FIELD_COUNT) {
      throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: expected a name and ${FIELD_COUNT} counters`);
    }
    names.push(name);
    start = end + 1;
  }
  return { names, values };
}

const NEWLINE = 10;
const SPACE = 32;
const COLON = 58;
const HEADER = "Inter-|";

/** One line of /proc/net/dev: the counters the inventory schema carries, as the kernel counts them. */
export type TProcNetDevRow = Omit<TInterfaceCounters, "ifindex">;

/** /proc/net/dev as one object per interface, with bigint counters (parseProcNetDevColumns's rows). */
export function parseProcNetDev(text: string): TProcNetDevRow[] {
  const { names, values } = parseProcNetDevColumns(Buffer.from(text, "latin1"));
  return countersOfColumns({ at: 0, names, ifindex: [], values }).interfaces.map(({ ifindex: _ifindex, ...row }) => row);
}

/** Up to 15 digits a double holds exactly (2^53 has 16). */
const SAFE_DIGITS = 15;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A field of more than 15 digits: a number while it is a safe integer, else its decimal digits (leading zeros dropped). */
function wide(digits: string): number | string {
  const value = BigInt(digits);
  return value <= SAFE ? Number(value) : value.toString();
}

function notACounter(text: (from: number, to: number) => string, from: number, end: number, lineNo: number, bytes: Buffer): HostError {
  let to = from;
  while (to < end && bytes[to] !== SPACE) to++;
  return new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: "${text(from, to)}" is not a counter`);
}
