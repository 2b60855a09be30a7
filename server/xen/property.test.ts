import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeXlConfig,
  formatVifSpec,
  parseXlConfigBytes,
  listVifs,
  parseNetworkAttachArgv,
  parseVifRate,
  parseVifSpec,
  parseXendNetworkConfig,
  parseXlConfig,
  parseXmVifLine,
  printXlConfig,
  removeVifEntry,
  insertVifEntry,
  replaceVifEntry,
  setVifList,
  type TXlConfig,
  type TXlValue,
} from "./index";

// ---------------------------------------------------------------------------
// Generators of valid xl configs (layout, comments and all)

const blank = fc.constantFrom("", " ", "  ", "\t", " \t ");
const comment = fc.stringMatching(/^#[ -~\t]{0,20}$/);
const ident = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9._]{0,8}$/), fc.constantFrom("vif", "vif", "name", "memory"));
const number = fc.stringMatching(/^[0-9][0-9a-fx]{0,5}$/);
const stringBody = fc.array(
  fc.oneof(
    fc.stringMatching(/^[ -&(-[\]-~]{1,6}$/), // printable except ' and \
    fc.constantFrom("\\\\", "\\'", '\\"', "\\n", "\\t", '"', "é", "\t"),
  ),
  { maxLength: 5 },
);
const quoted = fc.tuple(fc.constantFrom("'", '"'), stringBody).map(([q, parts]) => q + parts.map((p) => (p === q ? "\\" + q : p)).join("") + q);
const nlok = fc.array(fc.tuple(blank, fc.option(comment, { nil: undefined })).map(([b, c]) => b + (c ?? "") + "\n"), { maxLength: 2 }).map((a) => a.join(""));
const atom = fc.oneof(quoted, number);
const value: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, atom, atom, tie("list")),
  list: fc
    .tuple(nlok, fc.array(fc.tuple(tie("value"), blank, nlok), { maxLength: 4 }), fc.boolean(), blank)
    .map(([first, items, trailing, b]) => {
      if (items.length === 0) return "[" + first + b + "]";
      const body = items.map(([v, bb, nl], i) => v + bb + (i < items.length - 1 || trailing ? "," + nl : nl)).join(" ");
      return "[" + first + body + b + "]";
    }),
})).value as fc.Arbitrary<string>;
const statement = fc.oneof(
  fc.tuple(blank, ident, blank, fc.constantFrom("=", "+="), blank, value, blank, fc.option(comment, { nil: undefined })).map(([a, n, b, op, c, v, d, cm]) => a + n + b + op + c + v + d + (cm ?? "")),
  comment,
  blank,
);
const configText = fc
  .tuple(fc.array(fc.tuple(statement, fc.constantFrom("\n", "\n", ";", ";\n")), { maxLength: 8 }), fc.boolean())
  .map(([stmts, finalNewline]) => {
    let t = stmts.map(([s, end]) => s + end).join("");
    if (!finalNewline && t.endsWith("\n")) t = t.slice(0, -1);
    return t;
  })
  // A comment on the last line without newline, or "+=" mixing kinds, are xl errors: keep only accepted texts.
  .filter((t) => parseXlConfig(t).config.syntaxOk);

const vifToken = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/).map((m) => `mac=${m}`),
  fc.stringMatching(/^[a-z][a-z0-9.]{0,10}$/).map((b) => `bridge=${b}`),
  fc.constantFrom("ip=10.0.0.1", "ip=10.0.0.1 10.0.0.2", "vifname=web1", "type=vif", "model=e1000", "rate=10Mb/s", "mtu=1500", "trusted", "script=vif-route"),
);
const vifSpec = fc.array(vifToken, { maxLength: 5 }).map((ts) => ts.join(","));

function modelOf(config: TXlConfig): unknown {
  const strip = (v: TXlValue): unknown => (v.kind === "list" ? v.items.map(strip) : v.value);
  return {
    settings: config.settings.map((s) => ({ name: s.name, op: s.op, value: strip(s.value) })),
    vifs: listVifs(config).map((v) => v.entries),
  };
}

describe("round trips", () => {
  it("print(parse(x)) === x for generated configs", () => {
    fc.assert(
      fc.property(configText, (t) => {
        expect(printXlConfig(parseXlConfig(t).config)).toBe(t);
      }),
      { numRuns: 400 },
    );
  });

  it("print(parse(x)) === x for any text at all", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (t) => {
        expect(printXlConfig(parseXlConfig(t).config)).toBe(t);
      }),
      { numRuns: 300 },
    );
  });

  it("a config with its vif list set, printed and parsed again, has exactly that list and the same other settings", () => {
    fc.assert(
      fc.property(configText, fc.array(vifSpec, { maxLength: 6 }), (t, specs) => {
        const before = parseXlConfig(t).config;
        const edited = setVifList(before, specs);
        expect(edited.applied).toBe(true);
        const again = parseXlConfig(printXlConfig(edited.config));
        expect(again.config.syntaxOk).toBe(true);
        expect(modelOf(again.config)).toEqual(modelOf(edited.config));
        expect(listVifs(again.config).map((v) => v.spec)).toEqual(specs);
        const others = (c: TXlConfig) => Object.entries(c.effective).filter(([k]) => k !== "vif").map(([k, v]) => [k, v.value.kind === "list" ? v.value.items.length : v.value.value]);
        expect(others(again.config)).toEqual(others(before));
      }),
      { numRuns: 300 },
    );
  });

  it("single-entry edits keep every other vif and leave a valid file", () => {
    const withVifs = fc.tuple(configText, fc.array(vifSpec, { minLength: 1, maxLength: 5 })).map(([t, specs]) => setVifList(parseXlConfig(t).config, specs).config);
    fc.assert(
      fc.property(withVifs, vifSpec, fc.nat(), (config, spec, n) => {
        const specs = listVifs(config).map((v) => v.spec);
        const i = n % specs.length;
        const replaced = replaceVifEntry(config, i, spec).config;
        expect(listVifs(replaced).map((v) => v.spec)).toEqual(specs.map((s, k) => (k === i ? spec : s)));
        const removed = removeVifEntry(config, i).config;
        expect(removed.syntaxOk).toBe(true);
        expect(listVifs(removed).map((v) => v.spec)).toEqual(specs.filter((_, k) => k !== i));
        const j = n % (specs.length + 1);
        const inserted = insertVifEntry(config, j, spec).config;
        expect(inserted.syntaxOk).toBe(true);
        expect(listVifs(inserted).map((v) => v.spec)).toEqual([...specs.slice(0, j), spec, ...specs.slice(j)]);
      }),
      { numRuns: 300 },
    );
  });

  it("formatting parsed vif entries gives a spec with the same entries", () => {
    fc.assert(
      fc.property(vifSpec, (s) => {
        const v = parseVifSpec(s);
        const f = formatVifSpec(v.entries);
        expect(f.ok).toBe(true);
        expect(parseVifSpec(f.spec).entries).toEqual(v.entries);
      }),
    );
  });
});

// ---------------------------------------------------------------------------
// Fuzzing: never throw, never hang

/** Runs fn and checks it took under 50 ms (measured again once, to rule out a GC pause on a busy machine). */
function timed<T>(fn: () => T): T {
  let t0 = performance.now();
  const r = fn();
  let ms = performance.now() - t0;
  if (ms >= 50) {
    t0 = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  expect(ms).toBeLessThan(50);
  return r;
}

const INTERESTING = ["[", "]", ",", "'", '"', "\\", "\n", "\r", "#", "=", "+=", ";", " ", "\t", "\0", "-", "(", "A", "0x", "vif", "é", "\\x", "\\0", "[[", "]]"];

describe("fuzzing", () => {
  it("never throws on random text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 500 }), (t) => {
        const r = timed(() => parseXlConfig(t));
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 1500 },
    );
  });

  it("gives back the same bytes for any file", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = parseXlConfigBytes(bytes);
        expect(Array.from(encodeXlConfig(r.config))).toEqual(Array.from(bytes));
        const edited = setVifList(r.config, ["bridge=xenbr0"]);
        expect(edited.config.encoding).toBe(r.config.encoding);
      }),
      { numRuns: 500 },
    );
    const utf8 = new TextEncoder().encode("\ufeffname = 'é'\n");
    const r = parseXlConfigBytes(utf8);
    expect(r.config.encoding).toBe("utf-8");
    expect(r.ok).toBe(false); // xl refuses the BOM
    expect(Array.from(encodeXlConfig(r.config))).toEqual(Array.from(utf8));
  });

  it("never throws on random bytes read as latin1", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => {
        const t = String.fromCharCode(...bytes);
        timed(() => parseXlConfig(t));
        timed(() => parseXmVifLine(t));
        timed(() => parseXendNetworkConfig(t));
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on thousands of mutations of valid configs", () => {
    const mutation = fc.tuple(fc.nat(), fc.nat(5), fc.constantFrom(...INTERESTING), fc.constantFrom("insert", "delete", "replace", "duplicate"));
    fc.assert(
      fc.property(configText, fc.array(mutation, { minLength: 1, maxLength: 6 }), (base, muts) => {
        let t = base;
        for (const [at, len, piece, op] of muts) {
          const p = t.length === 0 ? 0 : at % (t.length + 1);
          if (op === "insert") t = t.slice(0, p) + piece + t.slice(p);
          else if (op === "delete") t = t.slice(0, p) + t.slice(p + len);
          else if (op === "replace") t = t.slice(0, p) + piece + t.slice(p + piece.length);
          else t = t.slice(0, p) + t.slice(p, p + len * 4) + t.slice(p);
        }
        const r = timed(() => parseXlConfig(t));
        expect(printXlConfig(r.config)).toBe(t);
        for (const v of listVifs(r.config)) expect(Array.isArray(v.entries)).toBe(true);
        timed(() => setVifList(r.config, ["bridge=xenbr0"]));
      }),
      { numRuns: 3000 },
    );
  });

  it("never throws on random vif specs, attach arguments and rates", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.array(fc.string({ maxLength: 30 }), { maxLength: 6 }), (s, args) => {
        timed(() => parseVifSpec(s));
        timed(() => parseVifSpec(s, { context: "attach" }));
        timed(() => parseNetworkAttachArgv(["network-attach", ...args]));
        timed(() => parseVifRate(s));
        timed(() => formatVifSpec(parseVifSpec(s).entries));
      }),
      { numRuns: 1500 },
    );
  });

  it("handles pathological inputs quickly", () => {
    const big = [
      "a = " + "[".repeat(100_000),
      "a = '" + "\\".repeat(100_001),
      "#".repeat(200_000),
      "x".repeat(200_000) + "X",
      "vif = [ '" + "mac=".repeat(20_000) + "' ]\n",
      "vif = [" + " 'a',\n".repeat(2_000) + "]\n",
      "\r\n".repeat(50_000),
    ];
    parseXlConfig(big.join("")); // warm-up
    for (const t of big) {
      const t0 = performance.now();
      const r = parseXlConfig(t);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(printXlConfig(r.config)).toBe(t);
    }
  });
});
