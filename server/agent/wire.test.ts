import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { decodeCounters, encodeCounters, ZCountersWireSchema } from "./wire";

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
