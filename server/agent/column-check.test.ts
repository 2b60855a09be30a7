import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { ZBridgePortSchema, ZVifSchema } from "~/server/host/inventory";

import { columnCheckOf } from "./column-check";

/** Values near every boundary the compiled checks model, and arbitrary ones. */
const ZValue = fc.oneof(
  fc.anything(),
  fc.constantFrom(0, -0, 1, -1, 0.5, 1.5, NaN, Infinity, -Infinity, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 67, 68, 65535, 65536),
  fc.constantFrom("", "a", "vif1.0", "xenbr0", "up", "down", "vif", "emu", "forwarding", "a".repeat(15), "a".repeat(16), null, undefined),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
);

const compiled: [string, z.ZodType][] = [
  ...Object.entries(ZVifSchema.shape).map(([key, schema]) => [`vif.${key}`, schema as z.ZodType] as [string, z.ZodType]),
  ...Object.entries(ZBridgePortSchema.shape).map(([key, schema]) => [`port.${key}`, schema as z.ZodType] as [string, z.ZodType]),
  ["string 1..15", z.string().min(1).max(15)],
  ["int 68..65535", z.number().int().min(68).max(65535)],
  ["positive number", z.number().positive()],
  ["number", z.number()],
  ["nullable int", z.number().int().nullable()],
];

describe("columnCheckOf", () => {
  it.each(compiled.filter(([, schema]) => columnCheckOf(schema) !== null))("agrees with zod on any value: %s", (_, schema) => {
    const check = columnCheckOf(schema);
    fc.assert(
      fc.property(ZValue, (value) => {
        expect(check?.(value)).toBe(schema.safeParse(value).success);
      }),
      { numRuns: 2000 },
    );
  });

  it("compiles the simple columns of the inventory tables", () => {
    const compiledKeys = Object.entries(ZVifSchema.shape)
      .filter(([, schema]) => columnCheckOf(schema as z.ZodType) !== null)
      .map(([key]) => key);
    expect(compiledKeys).toEqual(
      expect.arrayContaining(["kernelName", "ifindex", "domid", "domain", "devid", "vifname", "kind", "mac", "bridge", "operState", "mtu"]),
    );
  });

  it("declines what it does not model, so zod checks it", () => {
    expect(columnCheckOf(z.string().regex(/^a/))).toBeNull();
    expect(columnCheckOf(z.email())).toBeNull();
    expect(columnCheckOf(z.int())).toBeNull();
    expect(columnCheckOf(z.string().trim())).toBeNull();
    expect(columnCheckOf(z.coerce.number())).toBeNull();
    expect(columnCheckOf(z.array(z.string()))).toBeNull();
    expect(columnCheckOf(z.strictObject({ a: z.number() }).nullable())).toBeNull();
    expect(columnCheckOf(z.number().int().multipleOf(2))).toBeNull();
  });
});
