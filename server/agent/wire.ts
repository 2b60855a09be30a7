import { z } from "zod";

import {
  COUNTER_NAMES,
  ZBridgePortSchema,
  ZBridgeSchema,
  ZInventorySchema,
  ZVifSchema,
  type TCounters,
  type TInterfaceCounters,
  type TInventory,
} from "~/server/host/inventory";

/**
 * How counters travel between the agent and its clients. Plain JSON cannot
 * carry bigints and superjson spends seconds on 80,000 of them, so the
 * counters go as columns: the names, the ifindexes, and the eight counter
 * values of each interface in one flat array, each a JSON number while it is
 * a safe integer (below 2^53, 9 PB) and a decimal string beyond.
 *
 * Every other message is plain JSON: nothing else in the protocol is a bigint.
 */
const FIELDS = COUNTER_NAMES.length;

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
      const value = iface[COUNTER_NAMES[f] as (typeof COUNTER_NAMES)[number]];
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

/**
 * A list of flat records sent as columns: `{ length, columns: { key: values[] } }`.
 * The inventory of a large host is ~10,000 vifs and as many bridge ports; as
 * columns the JSON is half the size (no repeated keys) and each column is
 * checked by one array schema, which is several times faster than checking
 * 10,000 objects.
 */
export function tableCodecOf<TShape extends z.core.$ZodLooseShape>(
  rowSchema: z.ZodObject<TShape>,
  /** Columns of string lists sent as one space-separated string each (like xl's `ip=`): far cheaper to check. */
  joined: readonly (keyof TShape & string)[] = [],
) {
  type TRow = z.infer<typeof rowSchema>;
  const keys = Object.keys(rowSchema.shape);
  const isJoined = new Set<string>(joined);
  const columns = Object.fromEntries(
    keys.map((key) => [key, isJoined.has(key) ? z.array(z.string()) : z.array(rowSchema.shape[key] as z.ZodType)]),
  );
  const schema = z
    .strictObject({ length: z.number().int().nonnegative(), columns: z.strictObject(columns) })
    .superRefine((wire, ctx) => {
      for (const key of keys) {
        if ((wire.columns[key] as unknown[]).length !== wire.length) {
          ctx.addIssue({ code: "custom", path: ["columns", key], message: `column ${key} must have ${wire.length} values` });
        }
      }
    });
  type TWire = z.infer<typeof schema>;
  return {
    schema,
    encode(rows: readonly TRow[]): TWire {
      const out: Record<string, unknown[]> = {};
      for (const key of keys) {
        out[key] = isJoined.has(key)
          ? rows.map((row) => ((row as Record<string, unknown>)[key] as string[]).join(" "))
          : rows.map((row) => (row as Record<string, unknown>)[key]);
      }
      return { length: rows.length, columns: out } as TWire;
    },
    decode(wire: TWire): TRow[] {
      const cols = keys.map((key) => [key, wire.columns[key] as unknown[], isJoined.has(key)] as const);
      const rows = new Array<TRow>(wire.length);
      for (let i = 0; i < wire.length; i++) {
        const row: Record<string, unknown> = {};
        for (const [key, values, split] of cols) {
          const value = values[i];
          row[key] = split ? (value === "" ? [] : (value as string).split(" ")) : value;
        }
        rows[i] = row as TRow;
      }
      return rows;
    },
  };
}

const vifTable = tableCodecOf(ZVifSchema, ["ips"]);
const portTable = tableCodecOf(ZBridgePortSchema);

/** The inventory on the wire: its vifs and each bridge's ports as tables (see tableCodecOf). */
export const ZInventoryWireSchema = ZInventorySchema.extend({
  vifs: vifTable.schema,
  bridges: z.array(ZBridgeSchema.extend({ ports: portTable.schema })),
});
export type TInventoryWire = z.infer<typeof ZInventoryWireSchema>;

export function encodeInventory(inventory: TInventory): TInventoryWire {
  return {
    ...inventory,
    vifs: vifTable.encode(inventory.vifs),
    bridges: inventory.bridges.map((bridge) => ({ ...bridge, ports: portTable.encode(bridge.ports) })),
  };
}

export function decodeInventory(wire: TInventoryWire): TInventory {
  return {
    ...wire,
    vifs: vifTable.decode(wire.vifs),
    bridges: wire.bridges.map((bridge) => ({ ...bridge, ports: portTable.decode(bridge.ports) })),
  };
}
