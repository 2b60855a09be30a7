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

/**
 * Parses /proc/net/dev. Interface names cannot contain ':' (the kernel refuses
 * them), so the first ':' ends the name even when a wide counter touches it.
 * Written for speed: it runs on every counter sample, over thousands of lines.
 */
export function parseProcNetDev(text: string): TProcNetDevRow[] {
  const rows: TProcNetDevRow[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo += 1;
    if (lineNo <= 2) {
      if (lineNo === 1 && !line.startsWith("Inter-|")) {
        throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev: unexpected header "${line.slice(0, 40)}"`);
      }
      continue;
    }
    const colon = line.indexOf(":");
    if (colon === -1) {
      if (line.trim() === "") continue;
      throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: no "name:" in "${line.slice(0, 60)}"`);
    }
    const name = line.slice(0, colon).trim();
    const fields = splitFields(line, colon + 1);
    if (name === "" || fields.length < FIELD_COUNT) {
      throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: expected a name and ${FIELD_COUNT} counters`);
    }
    rows.push({
      name,
      rxBytes: toCounter(fields[RX_BYTES], lineNo),
      rxPackets: toCounter(fields[RX_PACKETS], lineNo),
      rxErrors: toCounter(fields[RX_ERRS], lineNo),
      rxDrops: toCounter(fields[RX_DROP], lineNo),
      txBytes: toCounter(fields[TX_BYTES], lineNo),
      txPackets: toCounter(fields[TX_PACKETS], lineNo),
      txErrors: toCounter(fields[TX_ERRS], lineNo),
      txDrops: toCounter(fields[TX_DROP], lineNo),
    });
  }
  return rows;
}

/** The space-separated fields of `line` from `from` on (faster than a regex split on hot paths). */
function splitFields(line: string, from: number): string[] {
  const fields: string[] = [];
  let i = from;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && line.charCodeAt(j) !== 32) j++;
    fields.push(line.slice(i, j));
    i = j;
  }
  return fields;
}

const SAFE_DIGITS = 15;

function toCounter(field: string | undefined, lineNo: number): bigint {
  if (field !== undefined && field.length > 0) {
    // Most counters fit a double exactly; BigInt(number) is much cheaper than BigInt(string).
    if (field.length <= SAFE_DIGITS) {
      const value = Number(field);
      if (Number.isInteger(value) && value >= 0 && isDigits(field)) return BigInt(value);
    } else if (isDigits(field)) {
      return BigInt(field);
    }
  }
  throw new HostError("UNPARSABLE_OUTPUT", `/proc/net/dev line ${lineNo}: "${field ?? ""}" is not a counter`);
}

function isDigits(field: string): boolean {
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
