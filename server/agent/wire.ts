import { z } from "zod";

import type { TCounters, TInterfaceCounters } from "~/server/host/inventory";

/**
 * How counters travel between the agent and its clients. Plain JSON cannot
 * carry bigints and superjson spends seconds on 80,000 of them, so the
 * counters go as columns: the names, the ifindexes, and the eight counter
 * values of each interface in one flat array, each a JSON number while it is
 * a safe integer (below 2^53, 9 PB) and a decimal string beyond.
 *
 * Every other message is plain JSON: nothing else in the protocol is a bigint.
 */
export const COUNTER_FIELDS = [
  "rxBytes",
  "txBytes",
  "rxPackets",
  "txPackets",
  "rxErrors",
  "txErrors",
  "rxDrops",
  "txDrops",
] as const satisfies readonly (keyof TInterfaceCounters)[];

const FIELDS = COUNTER_FIELDS.length;

export const ZCountersWireSchema = z
  .strictObject({
    at: z.number().int().nonnegative(),
    // Arrays are checked element by element in the loop below, not by a zod schema per element:
    // this runs on ~80,000 values every collector tick.
    names: z.custom<string[]>(Array.isArray, "names must be an array"),
    ifindex: z.custom<number[]>(Array.isArray, "ifindex must be an array"),
    values: z.custom<(number | string)[]>(Array.isArray, "values must be an array"),
  })
  .superRefine((wire, ctx) => {
    if (wire.ifindex.length !== wire.names.length || wire.values.length !== wire.names.length * FIELDS) {
      ctx.addIssue({ code: "custom", message: `counters: ${wire.names.length} names need as many ifindexes and ${FIELDS} values each` });
      return;
    }
    for (let i = 0; i < wire.names.length; i++) {
      const name = wire.names[i];
      const ifindex = wire.ifindex[i];
      if (typeof name !== "string" || name === "" || !Number.isSafeInteger(ifindex) || (ifindex as number) < 0) {
        ctx.addIssue({ code: "custom", path: ["names", i], message: "each interface needs a name and a non-negative ifindex" });
        return;
      }
    }
    for (let i = 0; i < wire.values.length; i++) {
      const value = wire.values[i];
      const ok =
        typeof value === "number" ? Number.isSafeInteger(value) && value >= 0 : typeof value === "string" && /^\d{1,20}$/.test(value);
      if (!ok) {
        ctx.addIssue({ code: "custom", path: ["values", i], message: "a counter must be a non-negative integer" });
        return;
      }
    }
  });
export type TCountersWire = z.infer<typeof ZCountersWireSchema>;

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function encodeCounters(counters: TCounters): TCountersWire {
  const count = counters.interfaces.length;
  const names = new Array<string>(count);
  const ifindex = new Array<number>(count);
  const values = new Array<number | string>(count * FIELDS);
  counters.interfaces.forEach((iface, i) => {
    names[i] = iface.name;
    ifindex[i] = iface.ifindex;
    for (let f = 0; f < FIELDS; f++) {
      const value = iface[COUNTER_FIELDS[f] as (typeof COUNTER_FIELDS)[number]];
      values[i * FIELDS + f] = value <= SAFE ? Number(value) : value.toString();
    }
  });
  return { at: counters.at, names, ifindex, values };
}

/** The inverse of encodeCounters, for a wire value that ZCountersWireSchema accepted. */
export function decodeCounters(wire: TCountersWire): TCounters {
  const interfaces: TInterfaceCounters[] = wire.names.map((name, i) => {
    const base = i * FIELDS;
    // Most error and drop counters are 0: skip BigInt() for them (80,000 conversions a tick).
    const at = (f: number) => {
      const value = wire.values[base + f] as number | string;
      return value === 0 ? 0n : BigInt(value);
    };
    return {
      name,
      ifindex: wire.ifindex[i] as number,
      rxBytes: at(0),
      txBytes: at(1),
      rxPackets: at(2),
      txPackets: at(3),
      rxErrors: at(4),
      txErrors: at(5),
      rxDrops: at(6),
      txDrops: at(7),
    };
  });
  return { at: wire.at, interfaces };
}
