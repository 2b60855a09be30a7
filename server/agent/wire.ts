import { z } from "zod";

import {
  COUNTER_NAMES,
  countersOfColumns,
  ZBridgePortSchema,
  ZBridgeSchema,
  ZInventorySchema,
  ZVifSchema,
  type TCounterColumns,
  type TCounters,
  type TInventory,
} from "~/server/host/inventory";

import { columnCheckOf, type ColumnCheck } from "./column-check";

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

/** A driver's columns (TCounterColumns: already the wire form) pass through as they are. */
export function encodeCounters(counters: TCounters | TCounterColumns): TCountersWire {
  if (!("interfaces" in counters)) return counters;
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
  return countersOfColumns(wire);
}

/**
 * A list of flat records sent as columns: `{ length, columns: { key: column } }`.
 * The inventory of a large host is ~10,000 vifs and as many bridge ports; as
 * columns the JSON is half the size (no repeated keys) and each column is
 * checked as one array, which is several times faster than checking 10,000
 * objects. Two column forms, chosen per key by the codec (not per message):
 *
 * - plain: the values, `[v0, v1, …]`;
 * - dictionary, for keys with few distinct values (a vif's bridge, script,
 *   state, MTU, domain…): `{ dict: [distinct values], index: [i0, i1, …] }`.
 *   The JSON shrinks to a small integer per row, the parser allocates each
 *   distinct string once, and the schema checks only the distinct values.
 *
 * Rows decoded from a dictionary share its values: object values (a vif's
 * rate) are frozen, so a consumer that tried to change one row's would fail
 * loudly instead of changing every row's.
 */
export type TableCodecOptions<TKey extends string> = {
  /** Keys holding string lists, sent as one space-separated string each (like xl's `ip=`): far cheaper to parse and check. */
  joined?: readonly TKey[];
  /** Keys with few distinct values, sent as a dictionary and an index per row. */
  dictionary?: readonly TKey[];
};

const ZIndexColumnSchema = z.custom<number[]>(Array.isArray, "index must be an array");

/** The key that identifies a value in a dictionary: the value itself when primitive, its JSON otherwise. */
const dictionaryKey = (value: unknown): unknown => (typeof value === "object" && value !== null ? JSON.stringify(value) : value);

export function tableCodecOf<TShape extends z.core.$ZodLooseShape>(
  rowSchema: z.ZodObject<TShape>,
  options: TableCodecOptions<keyof TShape & string> = {},
) {
  type TRow = z.infer<typeof rowSchema>;
  const keys = Object.keys(rowSchema.shape);
  const isJoined = new Set<string>(options.joined);
  const isDictionary = new Set<string>(options.dictionary);
  // Per key: the element schema, and the plain predicate that stands in for it in the column loop where one compiles.
  const elements = Object.fromEntries(
    keys.map((key) => {
      const element = isJoined.has(key) ? z.string() : (rowSchema.shape[key] as z.ZodType);
      return [key, { schema: element, check: columnCheckOf(element) }];
    }),
  );
  const columns = Object.fromEntries(
    keys.map((key) => {
      const { schema: element, check } = elements[key] as { schema: z.ZodType; check: ColumnCheck | null };
      if (isDictionary.has(key)) return [key, z.strictObject({ dict: z.array(element), index: ZIndexColumnSchema })];
      return [key, check ? z.custom<unknown[]>(Array.isArray, `column ${key} must be an array`) : z.array(element)];
    }),
  );
  const schema = z
    .strictObject({ length: z.number().int().nonnegative(), columns: z.strictObject(columns) })
    .superRefine((wire, ctx) => {
      for (const key of keys) {
        const column = wire.columns[key] as unknown[] | { dict: unknown[]; index: number[] };
        const values = Array.isArray(column) ? column : column.index;
        if (values.length !== wire.length) {
          ctx.addIssue({ code: "custom", path: ["columns", key], message: `column ${key} must have ${wire.length} values` });
          continue;
        }
        // Checked in loops, not by a schema per element: these run on ~10,000 rows per column.
        if (Array.isArray(column)) {
          const { schema: element, check } = elements[key] as { schema: z.ZodType; check: ColumnCheck | null };
          if (!check || values.every(check)) continue;
          // zod words the refusal: the same issues as if it had checked the column itself.
          for (const issue of z.array(element).safeParse(values).error?.issues ?? []) {
            ctx.addIssue({ ...issue, path: ["columns", key, ...issue.path] } as z.core.$ZodRawIssue);
          }
          continue;
        }
        const size = column.dict.length;
        for (let i = 0; i < values.length; i++) {
          const index = values[i];
          if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= size) {
            ctx.addIssue({ code: "custom", path: ["columns", key, "index", i], message: `an index into the ${size} values of column ${key}` });
            break;
          }
        }
      }
    });
  type TWire = z.infer<typeof schema>;
  return {
    schema,
    encode(rows: readonly TRow[]): TWire {
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const valueOf = isJoined.has(key)
          ? (row: TRow) => ((row as Record<string, unknown>)[key] as string[]).join(" ")
          : (row: TRow) => (row as Record<string, unknown>)[key];
        if (!isDictionary.has(key)) {
          out[key] = rows.map(valueOf);
          continue;
        }
        const positions = new Map<unknown, number>();
        const dict: unknown[] = [];
        const index = rows.map((row) => {
          const value = valueOf(row);
          const id = dictionaryKey(value);
          let position = positions.get(id);
          if (position === undefined) {
            position = dict.push(value) - 1;
            positions.set(id, position);
          }
          return position;
        });
        out[key] = { dict, index };
      }
      return { length: rows.length, columns: out } as TWire;
    },
    decode(wire: TWire): TRow[] {
      // Each row starts as a copy of one template with every key: V8 then gives all rows one shape at once,
      // where adding the keys one by one would walk 10,000 objects through 15 shape changes each.
      const template: Record<string, unknown> = Object.fromEntries(keys.map((key) => [key, null]));
      const rows = new Array<Record<string, unknown>>(wire.length);
      for (let i = 0; i < wire.length; i++) rows[i] = { ...template };
      for (const key of keys) {
        const column = wire.columns[key] as unknown[] | { dict: unknown[]; index: number[] };
        const split = isJoined.has(key);
        const valueOf = split ? (value: unknown) => (value === "" ? [] : (value as string).split(" ")) : (value: unknown) => value;
        if (Array.isArray(column)) {
          for (let i = 0; i < wire.length; i++) (rows[i] as Record<string, unknown>)[key] = valueOf(column[i]);
          continue;
        }
        const dict = column.dict.map((value) => (typeof value === "object" && value !== null ? Object.freeze(value) : value));
        const { index } = column;
        // A joined list is split per row: rows must not share one array.
        for (let i = 0; i < wire.length; i++) (rows[i] as Record<string, unknown>)[key] = valueOf(dict[index[i] as number]);
      }
      return rows as TRow[];
    },
  };
}

// Domain names repeat up to 8 times (once per vif): worth a dictionary too.
const vifTable = tableCodecOf(ZVifSchema, {
  joined: ["ips"],
  dictionary: ["domain", "devid", "kind", "bridge", "script", "rate", "backendState", "operState", "mtu"],
});
const portTable = tableCodecOf(ZBridgePortSchema, { dictionary: ["kind", "stpState", "operState"] });

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
