import { describe, expect, it } from "vitest";
import { insertVifEntry, listVifs, parseXlConfig, quoteXlString, removeVifEntry, replaceVifEntry, setVifList } from "./index";

const cfg = (text: string) => parseXlConfig(text, { source: "t.cfg" }).config;
const specs = (text: string) => listVifs(cfg(text)).map((v) => v.spec);

/** The bytes outside [start, end) of `before` must be unchanged in `after`. */
function expectOnlyChanged(before: string, after: string, start: number, end: number): void {
  expect(after.slice(0, start)).toBe(before.slice(0, start));
  expect(after.slice(after.length - (before.length - end))).toBe(before.slice(end));
}

describe("setVifList", () => {
  it("replaces only the list's bytes, keeping quotes and inline layout", () => {
    const text = "name = 'web1'  # the web server\nvif = [\"mac=00:16:3e:00:00:01\",\"bridge=xenbr0\"]  # nets\nmemory = 128\n";
    const r = setVifList(cfg(text), ["mac=00:16:3e:00:00:02,bridge=xenbr1", "bridge=xenbr0"]);
    expect(r.applied).toBe(true);
    expect(r.config.text).toBe("name = 'web1'  # the web server\nvif = [\"mac=00:16:3e:00:00:02,bridge=xenbr1\",\"bridge=xenbr0\"]  # nets\nmemory = 128\n");
    const start = text.indexOf("[");
    expectOnlyChanged(text, r.config.text, start, text.indexOf("]") + 1);
  });

  it("keeps a one-per-line layout with its indentation and trailing comma", () => {
    const text = "vif = [\n    'mac=00:16:3e:00:00:01',\n    'mac=00:16:3e:00:00:02',\n]\nx = 1\n";
    const r = setVifList(cfg(text), ["mac=00:16:3e:00:00:03", "mac=00:16:3e:00:00:04", "bridge=xenbr1"]);
    expect(r.config.text).toBe("vif = [\n    'mac=00:16:3e:00:00:03',\n    'mac=00:16:3e:00:00:04',\n    'bridge=xenbr1',\n]\nx = 1\n");
  });

  it("appends a setting when there is none, adding the missing final newline", () => {
    expect(setVifList(cfg("name = 'a'\n"), ["bridge=xenbr0"]).config.text).toBe("name = 'a'\nvif = [ 'bridge=xenbr0' ]\n");
    expect(setVifList(cfg("name = 'a'"), ["bridge=xenbr0", "bridge=xenbr1"]).config.text).toBe("name = 'a'\nvif = [ 'bridge=xenbr0', 'bridge=xenbr1' ]\n");
    expect(setVifList(cfg(""), ["bridge=xenbr0"]).config.text).toBe("vif = [ 'bridge=xenbr0' ]\n");
  });

  it("accepts structured vifs and refuses what xl cannot carry", () => {
    const r = setVifList(cfg("vif = []\n"), [{ mac: "00:16:3e:01:02:03", bridge: "xenbr0", ip: "10.0.0.2", vifname: "web1" }]);
    expect(r.config.text).toBe("vif = ['mac=00:16:3e:01:02:03,bridge=xenbr0,ip=10.0.0.2,vifname=web1']\n");
    const bad = setVifList(cfg("vif = []\n"), [{ bridge: "a,b" }]);
    expect(bad.applied).toBe(false);
    expect(bad.config.text).toBe("vif = []\n");
    expect(bad.editDiagnostics[0]?.code).toBe("VIF_VALUE_COMMA");
    expect(setVifList(cfg("vif = []\n"), ["bridge=a\nb"]).applied).toBe(false);
  });

  it("escapes quotes so the value reads back the same", () => {
    const r = setVifList(cfg("vif = []\n"), ["script=it's"]);
    expect(specs(r.config.text)).toEqual(["script=it's"]);
    expect(quoteXlString("a'b\\c", "'")).toBe("'a\\'b\\\\c'");
  });

  it("rewrites a += setting as a plain assignment", () => {
    const text = "vif = ['a=1']\nvif += ['b=2']\n";
    const r = setVifList(cfg(text), ["c=3"]);
    expect(r.config.text).toBe("vif = ['a=1']\nvif = ['c=3']\n");
    expect(specs(r.config.text)).toEqual(["c=3"]);
  });

  it("round-trips: the new model lists exactly the given vifs", () => {
    const list = ["mac=00:16:3e:00:00:01,bridge=xenbr0", "", "ip=10.0.0.1 10.0.0.2"];
    for (const text of ["", "vif = [ 'x' ]\n", "vif = [\n 'x', # c\n 'y'\n ]\n", "vif = 'single'\n"]) {
      const r = setVifList(cfg(text), list);
      expect(specs(r.config.text)).toEqual(list);
      expect(r.config.syntaxOk).toBe(true);
    }
  });
});

describe("editing single entries", () => {
  const text = "vif = [\n  'mac=00:16:3e:00:00:01', # web\n  \"mac=00:16:3e:00:00:02\" # db\n]\n";

  it("replaces one element, keeping its quote style and the others' bytes", () => {
    const r = replaceVifEntry(cfg(text), 1, "mac=00:16:3e:00:00:99");
    expect(r.config.text).toBe("vif = [\n  'mac=00:16:3e:00:00:01', # web\n  \"mac=00:16:3e:00:00:99\" # db\n]\n");
  });

  it("removes a line-per-entry element with its line, fixing the comma", () => {
    expect(removeVifEntry(cfg(text), 0).config.text).toBe("vif = [\n  \"mac=00:16:3e:00:00:02\" # db\n]\n");
    expect(removeVifEntry(cfg(text), 1).config.text).toBe("vif = [\n  'mac=00:16:3e:00:00:01' # web\n]\n");
  });

  it("removes inline elements", () => {
    expect(removeVifEntry(cfg("vif = [ 'a', 'b', 'c' ]\n"), 1).config.text).toBe("vif = [ 'a', 'c' ]\n");
    expect(removeVifEntry(cfg("vif = [ 'a', 'b' ]\n"), 1).config.text).toBe("vif = [ 'a' ]\n");
    expect(removeVifEntry(cfg("vif = [ 'a', ]\n"), 0).config.text).toBe("vif = [ ]\n");
    expect(removeVifEntry(cfg("vif = [ 'a' ]\n"), 3).applied).toBe(false);
  });

  it("inserts inline and one-per-line", () => {
    expect(insertVifEntry(cfg("vif = [ 'a', 'b' ]\n"), 1, "x").config.text).toBe("vif = [ 'a', 'x', 'b' ]\n");
    expect(insertVifEntry(cfg("vif = [ 'a', 'b' ]\n"), 2, "x").config.text).toBe("vif = [ 'a', 'b', 'x' ]\n");
    expect(insertVifEntry(cfg("vif = [ 'a', ]\n"), 1, "x").config.text).toBe("vif = [ 'a', 'x', ]\n");
    expect(insertVifEntry(cfg(text), 2, "bridge=xenbr1").config.text).toBe(
      "vif = [\n  'mac=00:16:3e:00:00:01', # web\n  \"mac=00:16:3e:00:00:02\", # db\n  \"bridge=xenbr1\"\n]\n",
    );
    expect(insertVifEntry(cfg(text), 0, "bridge=xenbr1").config.text).toBe("vif = [\n  'bridge=xenbr1',\n  'mac=00:16:3e:00:00:01', # web\n  \"mac=00:16:3e:00:00:02\" # db\n]\n");
    expect(insertVifEntry(cfg("name = 'a'\n"), 0, "bridge=xenbr0").config.text).toBe("name = 'a'\nvif = [ 'bridge=xenbr0' ]\n");
  });

  it("every edit leaves a file xl parses", () => {
    const base = cfg(text);
    for (const r of [replaceVifEntry(base, 0, "x"), removeVifEntry(base, 0), removeVifEntry(base, 1), insertVifEntry(base, 1, "y"), insertVifEntry(base, 2, "y")]) {
      expect(r.config.syntaxOk).toBe(true);
    }
  });
});
