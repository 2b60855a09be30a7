import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { createLineReader } from "./line-reader";

describe("the line reader", () => {
  it("gives back the same lines however the text is cut into chunks", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }).map((s) => s.replaceAll("\n", "")), { maxLength: 20 }), fc.array(fc.nat(50)), (lines, cuts) => {
        const text = lines.map((l) => `${l}\n`).join("");
        const seen: string[] = [];
        const reader = createLineReader((line) => seen.push(line));
        let at = 0;
        for (const cut of cuts) {
          reader.push(text.slice(at, at + cut));
          at += cut;
        }
        reader.push(text.slice(at));
        expect(seen).toEqual(lines);
        expect(reader.pendingLength).toBe(0);
      }),
    );
  });

  it("holds an unfinished line and counts it", () => {
    const seen: string[] = [];
    const reader = createLineReader((line) => seen.push(line));
    reader.push("abc");
    reader.push("def");
    expect(seen).toEqual([]);
    expect(reader.pendingLength).toBe(6);
    reader.push("\nx");
    expect(seen).toEqual(["abcdef"]);
    expect(reader.pendingLength).toBe(1);
  });
});
