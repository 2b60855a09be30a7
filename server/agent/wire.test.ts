import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { z } from "zod";

import { createScenario } from "~/server/host/sim/scenario";
import { SimHost } from "~/server/host/sim/sim-host";

import {
  decodeCounters,
  decodeInventory,
  encodeCounters,
  encodeInventory,
  tableCodecOf,
  ZCountersWireSchema,
  ZInventoryWireSchema,
} from "./wire";

const ZCounter = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe("counters on the wire", () => {
  it("decode(encode(x)) is x, for any counters up to 2^64", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.string({ minLength: 1, maxLength: 15 }),
            ifindex: fc.nat(),
            rxBytes: ZCounter,
            txBytes: ZCounter,
            rxPackets: ZCounter,
            txPackets: ZCounter,
            rxErrors: ZCounter,
            txErrors: ZCounter,
            rxDrops: ZCounter,
            txDrops: ZCounter,
          }),
          { maxLength: 20 },
        ),
        (interfaces) => {
          const counters = { at: 1_700_000_000_000, interfaces };
          const wire = JSON.parse(JSON.stringify(encodeCounters(counters))) as unknown;
          expect(decodeCounters(ZCountersWireSchema.parse(wire))).toEqual(counters);
        },
      ),
    );
  });

  it("sends safe integers as numbers and larger ones as decimal strings", () => {
    const wire = encodeCounters({
      at: 1,
      interfaces: [{ name: "vif1.0", ifindex: 7, rxBytes: 2n ** 60n, txBytes: 5n, rxPackets: 0n, txPackets: 0n, rxErrors: 0n, txErrors: 0n, rxDrops: 0n, txDrops: 0n }],
    });
    expect(wire.values.slice(0, 2)).toEqual([(2n ** 60n).toString(), 5]);
  });

  it.each([
    [{ at: 1, names: ["a"], ifindex: [1], values: [1, 2, 3] }, "8 values each"],
    [{ at: 1, names: ["a"], ifindex: [1], values: [-1, 0, 0, 0, 0, 0, 0, 0] }, "non-negative integer"],
    [{ at: 1, names: ["a"], ifindex: [1], values: ["1e3", 0, 0, 0, 0, 0, 0, 0] }, "non-negative integer"],
    [{ at: 1, names: [""], ifindex: [1], values: [0, 0, 0, 0, 0, 0, 0, 0] }, "a name"],
    [{ at: 1, names: ["a"], ifindex: [1.5], values: [0, 0, 0, 0, 0, 0, 0, 0] }, "ifindex"],
    [{ at: 1, names: "a", ifindex: [1], values: [] }, "array"],
  ])("refuses a malformed wire value %#", (wire, message) => {
    const result = ZCountersWireSchema.safeParse(wire);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});

describe("the inventory on the wire", () => {
  it("decode(encode(x)) is x for a simulated host", () => {
    const host = new SimHost({ scenario: createScenario({ seed: 2, domains: 40, mode: "bridge", vifsPerDomain: { min: 1, max: 4 } }), seed: 2, randomEvents: false });
    const inventory = host.readInventory();
    const wire = ZInventoryWireSchema.parse(JSON.parse(JSON.stringify(encodeInventory(inventory))));
    expect(decodeInventory(wire)).toEqual(inventory);
  });

  it("refuses columns of unequal length and values of the wrong type", () => {
    const table = tableCodecOf(z.strictObject({ name: z.string(), ips: z.array(z.string()) }), { joined: ["ips"] });
    const wire = table.encode([{ name: "a", ips: ["10.0.0.1", "10.0.0.2"] }, { name: "b", ips: [] }]);
    expect(table.decode(table.schema.parse(wire))).toEqual([{ name: "a", ips: ["10.0.0.1", "10.0.0.2"] }, { name: "b", ips: [] }]);
    expect(table.schema.safeParse({ length: 2, columns: { name: ["a"], ips: ["", ""] } }).success).toBe(false);
    expect(table.schema.safeParse({ length: 1, columns: { name: [1], ips: [""] } }).success).toBe(false);
    expect(table.schema.safeParse({ length: 1, columns: { name: ["a"], ips: [""], extra: [1] } }).success).toBe(false);
  });

  it("sends a dictionary column as its distinct values and an index per row, and checks both", () => {
    const row = z.strictObject({
      name: z.string().min(1),
      state: z.enum(["up", "down"]),
      rate: z.strictObject({ bytes: z.number() }).nullable(),
    });
    const table = tableCodecOf(row, { dictionary: ["state", "rate"] });
    const rows = [
      { name: "a", state: "up" as const, rate: { bytes: 5 } },
      { name: "b", state: "up" as const, rate: null },
      { name: "c", state: "down" as const, rate: { bytes: 5 } },
    ];
    const wire = JSON.parse(JSON.stringify(table.encode(rows))) as { length: number; columns: Record<string, unknown> };
    expect(wire.columns.state).toEqual({ dict: ["up", "down"], index: [0, 0, 1] });
    expect(wire.columns.rate).toEqual({ dict: [{ bytes: 5 }, null], index: [0, 1, 0] });
    const decoded = table.decode(table.schema.parse(wire));
    expect(decoded).toEqual(rows);
    // Rows share a dictionary's objects: frozen, so changing one row's cannot silently change another's.
    expect(() => {
      (decoded[0]?.rate as { bytes: number }).bytes = 6;
    }).toThrow(TypeError);

    const broken = (columns: Record<string, unknown>) => table.schema.safeParse({ ...wire, columns: { ...wire.columns, ...columns } });
    expect(JSON.stringify(broken({ state: { dict: ["up"], index: [0, 0, 1] } }).error?.issues)).toContain("an index into the 1 values of column state");
    expect(JSON.stringify(broken({ state: { dict: ["up", "down"], index: [0, 0.5, 1] } }).error?.issues)).toContain("an index into");
    expect(broken({ state: { dict: ["up", "sideways"], index: [0, 0, 1] } }).success).toBe(false);
    expect(JSON.stringify(broken({ state: { dict: ["up"], index: [0, 0] } }).error?.issues)).toContain("column state must have 3 values");
  });

  it("refuses a bad value in a column checked by a compiled predicate with zod's own issue and path", () => {
    const table = tableCodecOf(z.strictObject({ name: z.string().min(1), mtu: z.number().int().positive() }));
    const result = table.schema.safeParse({ length: 2, columns: { name: ["a", ""], mtu: [1500, 1500] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["columns", "name", 1]);
    expect(result.error?.issues[0]?.message).toMatch(/>=1 characters/);
    expect(table.schema.safeParse({ length: 1, columns: { name: ["a"], mtu: [-1] } }).success).toBe(false);
    expect(table.schema.safeParse({ length: 1, columns: { name: ["a"], mtu: "1500" } }).success).toBe(false);
  });
});
