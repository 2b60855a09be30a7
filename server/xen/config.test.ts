import { describe, expect, it } from "vitest";
import { getXlSetting, getXlString, listVifs, parseXlConfig, printXlConfig } from "./index";

function parse(text: string) {
  return parseXlConfig(text, { source: "t.cfg" });
}
function errors(text: string) {
  return parse(text).diagnostics.filter((d) => d.severity === "error");
}
function xlMessages(text: string) {
  return parse(text)
    .diagnostics.map((d) => d.xlMessage)
    .filter((m): m is string => m !== undefined && m.includes("config parsing error"));
}

describe("lexical syntax (xl-syntax.md §1)", () => {
  it("accepts identifiers with dots, digits and underscores, numbers with lower-case hex", () => {
    const r = parse("vif.default.bridge = 'xenbr1'\nmemory = 0x1f\nx_1 = 1e5\n");
    expect(r.ok).toBe(true);
    expect(getXlString(r.config, "vif.default.bridge")).toBe("xenbr1");
    expect(getXlString(r.config, "memory")).toBe("0x1f");
    expect(getXlString(r.config, "x_1")).toBe("1e5");
  });

  it("rejects upper-case identifiers", () => {
    const e = errors("Name = 'x'\n");
    expect(e.map((d) => d.code)).toEqual(["XL_LEX_UPPERCASE"]);
    expect(e[0]?.xlMessage).toBe("t.cfg:1: config parsing error near `Name': lexical error");
    expect([e[0]?.line, e[0]?.column]).toEqual([1, 1]);
  });

  it("rejects upper-case hex and units in numbers at the offending character", () => {
    expect(xlMessages("memory = 0x1F\n")).toEqual(["t.cfg:1: config parsing error near `F': lexical error"]);
    const e = errors("\nmemory = 12G\n");
    expect(e[0]?.code).toBe("XL_LEX_BAD_NUMBER");
    expect([e[0]?.line, e[0]?.column]).toEqual([2, 12]);
  });

  it("rejects CR on every CRLF line, but not in comments", () => {
    const e = errors("a = 1\r\n# c\r\nb = 2\r\n");
    expect(e.map((d) => [d.code, d.line])).toEqual([
      ["XL_LEX_CR", 1],
      ["XL_LEX_CR", 3],
    ]);
    expect(e[0]?.xlMessage).toBe("t.cfg:1: config parsing error near `\r': lexical error");
  });

  it("only space and tab are blanks", () => {
    expect(errors("a = 1\f\n")[0]?.code).toBe("XL_LEX_BAD_CHAR");
    expect(parse("a\t=\t1 \n").ok).toBe(true);
  });

  it("rejects a comment on the last line without a newline, accepts it with one", () => {
    const e = errors("a = 1\n# final");
    expect(e.map((d) => d.code)).toEqual(["XL_LEX_COMMENT_AT_EOF"]);
    expect(e[0]?.xlMessage).toBe("t.cfg:2: config parsing error near `#': lexical error");
    expect(parse("a = 1\n# final\n").ok).toBe(true);
    expect(parse("acpi=1#note\n").ok).toBe(true);
  });

  it("drops a lone stray character at the very end, as xl's scanner does", () => {
    const r = parse("memory = 128 #");
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["XL_LEX_STRAY_AT_EOF"]);
    expect(parse("memory = 128 X").ok).toBe(true);
    expect(parse("memory = 128 XY").ok).toBe(false);
  });

  it("gives up like xl when lists nest beyond Bison's stack", () => {
    expect(parse("a = " + "[".repeat(4997) + "]".repeat(4997) + "\n").ok).toBe(true);
    expect(xlMessages("a = " + "[".repeat(4998) + "]".repeat(4998) + "\n")).toEqual(["t.cfg:1: config parsing error near `[': memory exhausted"]);
  });

  it("accepts a last assignment without a newline", () => {
    const r = parse("a = 1\nboot=\"c\"");
    expect(r.ok).toBe(true);
    expect(getXlString(r.config, "boot")).toBe("c");
  });

  it("flags Python-looking input and adds xl's three warning lines", () => {
    const r = parse("kernel = '/boot/vmlinuz-' + version\n");
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["XL_LEX_PYTHON", "XL_PYTHON"]);
    expect(r.diagnostics[1]?.xlMessage).toBe(
      "warning: Config file looks like it contains Python code.\nwarning:  Arbitrary Python is no longer supported.\nwarning:  See https://wiki.xen.org/wiki/PythonInXlConfig",
    );
    expect(parse("memory = -1\n").diagnostics.some((d) => d.code === "XL_PYTHON")).toBe(true);
    expect(parse("x = 1.5\n").diagnostics.some((d) => d.code === "XL_PYTHON")).toBe(true);
  });

  it("treats Python characters inside strings as plain text", () => {
    expect(parse("kernel = '/boot/vmlinuz-2.6 (x): 1+1'\n").ok).toBe(true);
  });

  it("rejects an unterminated string and strings spanning lines", () => {
    expect(errors("a = 'abc\n")[0]?.code).toBe("XL_LEX_UNTERMINATED_STRING");
    expect(parse("a = 'ab\\\ncd'\n").ok).toBe(false);
  });

  it("reports at most one error per line", () => {
    expect(errors("Name = 'x' Y z\n")).toHaveLength(1);
    // xl counts the line of an error chunk that ends at the newline one further, so it prints both here.
    expect(errors("Name = 'x' Y\n")).toHaveLength(2);
  });
});

describe("string escapes (xl-syntax.md §1.1)", () => {
  it("decodes the simple escapes", () => {
    const r = parse(`a = 'it\\'s \\"q\\" \\\\ \\t'\nb = "\\a\\b\\f\\n\\r\\v"\n`);
    expect(getXlString(r.config, "a")).toBe(`it's "q" \\ \t`);
    expect(getXlString(r.config, "b")).toBe("\x07\b\f\n\r\v");
  });

  it("always rejects \\x escapes, with xl's message", () => {
    expect(xlMessages("a = 'a\\x41'\n")).toEqual([
      "t.cfg:1: config parsing error near `'a\\x41'': invalid digit after backslash hexnumerical character escape in quoted string",
    ]);
  });

  it("parses octal escapes in base 10 and drops the result", () => {
    const r = parse("a = 'a\\012b'\n");
    expect(r.ok).toBe(true);
    expect(getXlString(r.config, "a")).toBe("ab");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["XL_STRING_OCTAL_DROPPED"]);
    expect(getXlString(parse("a = 'x\\0999y'\n").config, "a")).toBe("xy");
    expect(errors("a = 'a\\01'\n")[0]?.xlMessage).toBe("t.cfg:1: config parsing error near `'a\\01'': invalid digit after backslash octalnumerical character escape in quoted string");
  });

  it("rejects unknown escapes with the 'backlash' message", () => {
    expect(xlMessages("a = 'a\\qb'\n")).toEqual(["t.cfg:1: config parsing error near `'a\\qb'': invalid character after backlash in quoted string"]);
  });
});

describe("grammar (xl-syntax.md §2)", () => {
  it("accepts lists across lines with comments and trailing commas, nested lists", () => {
    const r = parse("disk = [\n  'a', # first\n\n  'b',\n]\nx = [ 'a', 1, ['b'] ]\ny = []\n");
    expect(r.ok).toBe(true);
    const disk = getXlSetting(r.config, "disk");
    expect(disk?.value.kind === "list" && disk.value.items.map((i) => (i.kind === "list" ? "list" : i.value))).toEqual(["a", "b"]);
  });

  it("allows ; separators and empty statements", () => {
    const r = parse("a = 1; b = 'x';;\n;\n");
    expect(r.ok).toBe(true);
    expect(getXlString(r.config, "b")).toBe("x");
  });

  it("rejects bare words as values", () => {
    const e = errors("type = hvm\n");
    expect(e[0]?.code).toBe("XL_SYNTAX_BARE_WORD");
    expect(e[0]?.xlMessage).toBe("t.cfg:1: config parsing error near `hvm': syntax error, unexpected IDENT, expecting STRING or NUMBER or '['");
  });

  it("reports a newline between = and [ at line 0 on the first line", () => {
    const e = errors("vif =\n[ 'a' ]\n");
    expect(e[0]?.code).toBe("XL_SYNTAX_NEWLINE_BEFORE_LIST");
    expect(e[0]?.xlMessage).toBe("t.cfg:0: config parsing error near <newline>: syntax error, unexpected NEWLINE, expecting STRING or NUMBER or '['");
    expect([e[0]?.line, e[0]?.column]).toEqual([1, 6]);
  });

  it("rejects empty list elements", () => {
    expect(xlMessages("a = [ , ]\n")).toEqual(["t.cfg:1: config parsing error near `,': syntax error, unexpected ',', expecting ']'"]);
    expect(xlMessages("a = [ 'a', , 'b' ]\n")).toEqual(["t.cfg:1: config parsing error near `,': syntax error, unexpected ',', expecting ']'"]);
  });

  it("reports missing commas and unclosed lists", () => {
    expect(xlMessages("vif = ['a' 'b']\n")).toEqual(["t.cfg:1: config parsing error near `'b'': syntax error, unexpected STRING, expecting ']'"]);
    expect(errors("vif = ['a',\n")[0]?.xlMessage).toContain("syntax error, unexpected $end, expecting ']'");
  });

  it("needs = or += after a name", () => {
    expect(xlMessages("a 1\n")).toEqual(["t.cfg:1: config parsing error near `1': syntax error, unexpected NUMBER, expecting += or '='"]);
  });

  it("rejects two statements on a line and stops there", () => {
    const r = parse("a = 1 b = 2\nc = = 3\n");
    expect(xlMessages("a = 1 b = 2\nc = = 3\n")).toEqual(["t.cfg:1: config parsing error near `b': syntax error, unexpected IDENT, expecting $end"]);
    expect(r.ok).toBe(false);
  });

  it("recovers at the next line and stays silent for the first tokens after an error", () => {
    expect(xlMessages("a = = 1\nb b\nc = ,\n")).toEqual([
      "t.cfg:1: config parsing error near `=': syntax error, unexpected '=', expecting STRING or NUMBER or '['",
      "t.cfg:3: config parsing error near `,': syntax error, unexpected ',', expecting STRING or NUMBER or '['",
    ]);
  });

  it("lists statements that start wrongly", () => {
    expect(xlMessages("'a'\n")).toEqual(["t.cfg:1: config parsing error near `'a'': syntax error, unexpected STRING, expecting $end or IDENT or NEWLINE or ';'"]);
  });

  it("lets the last assignment win", () => {
    const r = parse("name = 'a'\nname = 'b'\n");
    expect(getXlString(r.config, "name")).toBe("b");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["XL_DUPLICATE_SETTING"]);
  });

  it("concatenates with +=, appends lists, starts over after =", () => {
    const r = parse("name = 'web'\nname += '1'\nvif = ['a']\nvif += ['b', 'c']\nx += 'only'\n");
    expect(getXlString(r.config, "name")).toBe("web1");
    expect(listVifs(r.config).map((v) => v.spec)).toEqual(["a", "b", "c"]);
    expect(getXlString(r.config, "x")).toBe("only");
    const again = parse("vif = ['a']\nvif += ['b']\nvif = ['z']\n");
    expect(listVifs(again.config).map((v) => v.spec)).toEqual(["z"]);
  });

  it("rejects += mixing lists and strings", () => {
    const e = errors("a = ['x']\na += 'y'\n");
    expect(e[0]?.code).toBe("XL_CONCAT_TYPE");
    expect(e[0]?.xlMessage).toBe("t.cfg:2: config parsing error near `'y'': can't add [list] to \"string\" or vice versa");
  });

  it("warns that += on numbers is ignored", () => {
    const r = parse("memory = 512\nmemory += 1\n");
    expect(r.ok).toBe(true);
    expect(r.diagnostics.find((d) => d.code === "XL_ADD_NUMBER")?.xlMessage).toBe("t.cfg:2: warning: can't use += with numbers for parameter `memory'");
  });

  it("evaluates numbers and strings the same way", () => {
    expect(getXlString(parse("memory = '512'\n").config, "memory")).toBe("512");
  });
});

describe("ok (xl accepts) and valid (no error at all)", () => {
  it("fails ok on the vif errors that stop xl, not on later failures", () => {
    expect(parse("vif = [ 'rate=fast' ]\n").ok).toBe(false);
    expect(parse("vif = [ 'mtu=x' ]\n").ok).toBe(false);
    expect(parse("vif = [ 'devid=-1' ]\n").ok).toBe(false);
    const bogus = parse("vif = [ 'bogus=1,mac=zz' ]\n");
    expect([bogus.ok, bogus.valid]).toEqual([true, true]);
    const long = parse("vif = [ 'vifname=averyverylongvifname' ]\n");
    expect([long.ok, long.valid]).toEqual([true, false]);
    const dup = parse("vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:01' ]\n");
    expect([dup.ok, dup.valid]).toEqual([true, false]);
  });
});

describe("lossless printing", () => {
  it("prints the exact input", () => {
    const texts = ["", "\n", "a = 1", "# x\n\n  vif = [ 'a' ,\n 'b' ] # c\n", "bad = Python(\n", "x\r\n"];
    for (const t of texts) expect(printXlConfig(parse(t).config)).toBe(t);
  });
});

describe("vif list reading (xl-syntax.md §3)", () => {
  it("gives one vif per element with its devid", () => {
    const r = parse("vif = [ 'mac=00:16:3e:00:00:11,bridge=xenbr0', 'mac=00:16:3e:00:00:12,bridge=xenbr1' ]\n");
    expect(listVifs(r.config).map((v) => [v.devid, v.entries])).toEqual([
      [0, [{ key: "mac", value: "00:16:3e:00:00:11" }, { key: "bridge", value: "xenbr0" }]],
      [1, [{ key: "mac", value: "00:16:3e:00:00:12" }, { key: "bridge", value: "xenbr1" }]],
    ]);
  });

  it("stops at a nested list", () => {
    const r = parse("vif = [ 'a=1', ['x'], 'b' ]\n");
    expect(listVifs(r.config).map((v) => v.spec)).toEqual(["a=1"]);
    expect(r.config.vifList.truncatedAt).toBe(1);
    expect(r.diagnostics.some((d) => d.code === "XL_VIF_NESTED_LIST")).toBe(true);
    expect(listVifs(parse("vif = [ ['a'] ]\n").config)).toEqual([]);
  });

  it("reads numbers in the list as strings", () => {
    expect(listVifs(parse("vif = [ 1 ]\n").config).map((v) => v.entries)).toEqual([[{ key: "1", value: null }]]);
  });

  it("warns about a single-value vif, which xl ignores", () => {
    const r = parse("vif = 'bridge=xenbr0'\n");
    expect(listVifs(r.config)).toEqual([]);
    expect(r.diagnostics.find((d) => d.code === "XL_VIF_NOT_LIST")?.xlMessage).toBe("t.cfg:1: warning: parameter `vif' is a single value but should be a list");
  });

  it("points vif diagnostics at the right place in the file", () => {
    const r = parse("name = 'x'\nvif = [ 'ip=1.2.3.4 ,mac=00:16:3e:11:22:33' ]\n");
    const d = r.diagnostics.find((x) => x.code === "VIF_TRAILING_SPACE");
    expect([d?.line, d?.column]).toEqual([2, 13]);
  });

  it("detects the guest type from type= or builder=", () => {
    expect(parse("type = 'hvm'\n").config.guestType).toBe("hvm");
    expect(parse("builder = 'hvm'\n").config.guestType).toBe("hvm");
    expect(parse("type = 'pvh'\n").config.guestType).toBe("pvh");
    expect(parse("name = 'x'\n").config.guestType).toBe("pv");
  });

  it("refuses type=ioemu on a PV guest", () => {
    const r = parse("type = 'pv'\nvif = [ 'type=ioemu' ]\n");
    // xl parses it; libxl refuses to create the domain.
    expect(r.ok).toBe(true);
    expect(r.valid).toBe(false);
    expect(r.diagnostics.some((d) => d.code === "VIF_TYPE_IOEMU_PV")).toBe(true);
    expect(parse("builder = 'hvm'\nvif = [ 'type=ioemu,mac=00:16:3e:00:00:01' ]\n").ok).toBe(true);
  });
});
