import { readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import {
  isNotrackRule,
  listChainRules,
  normalizeIpv4Network,
  parseIptablesSave,
  parseRuleLine,
  readChainPolicy,
  tokenizeIptablesLine,
} from "./iptables";

/*
 * The fixtures are real `iptables-save` outputs (iptables 1.8.9, nf_tables
 * backend) captured in a network namespace after inserting the rules
 * vif-common.sh's frob_iptable inserts for two vifs with ip= (web1 and
 * vif3.0), one without (vif4.0), the chapter's NOTRACK rule in both forms, a
 * user chain with a MAC match, a comment and a negation.
 */
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "testdata", name), "utf8");

describe("parseIptablesSave", () => {
  const save = parseIptablesSave(fixture("bridge-antispoof.iptables-save.txt"));

  it("reads tables, policies and user chains", () => {
    expect([...save.tables.keys()]).toEqual(["raw", "filter"]);
    expect(readChainPolicy(save, "filter", "FORWARD")).toBe("DROP");
    expect(readChainPolicy(save, "filter", "INPUT")).toBe("ACCEPT");
    expect(readChainPolicy(save, "raw", "PREROUTING")).toBe("ACCEPT");
    expect(save.tables.get("filter")?.chains.get("guests")?.policy).toBeNull();
    expect(readChainPolicy(save, "nat", "POSTROUTING")).toBeNull();
    expect(save.warnings).toEqual([]);
    expect(save.legacyTablesPresent).toBe(false);
  });

  it("reads vif-bridge's antispoof rule with its physdev match and source", () => {
    const rule = listChainRules(save, "filter", "FORWARD").find((r) => r.source?.value === "10.0.2.20/32");
    expect(rule).toMatchObject({
      table: "filter",
      chain: "FORWARD",
      physdevIn: { value: "web1", negated: false },
      physdevOut: null,
      physdevIsBridged: true,
      target: "ACCEPT",
      modules: ["physdev"],
      text: "-A FORWARD -s 10.0.2.20/32 -m physdev --physdev-in web1 --physdev-is-bridged -j ACCEPT",
    });
    expect(rule?.tokens).toEqual(["-s", "10.0.2.20/32", "-m", "physdev", "--physdev-in", "web1", "--physdev-is-bridged", "-j", "ACCEPT"]);
  });

  it("reads the DHCP rule and the out rule", () => {
    const rules = listChainRules(save, "filter", "FORWARD").filter((r) => r.physdevIn?.value === "web1" || r.physdevOut?.value === "web1");
    expect(rules).toHaveLength(4);
    const dhcp = rules.find((r) => r.protocol?.value === "udp");
    expect(dhcp?.matches).toContainEqual({ module: "udp", option: "sport", value: "68", negated: false });
    expect(dhcp?.matches).toContainEqual({ module: "udp", option: "dport", value: "67", negated: false });
    expect(rules.filter((r) => r.physdevOut?.value === "web1")).toHaveLength(2);
  });

  it("tells NOTRACK and CT --notrack apart from other targets", () => {
    const raw = listChainRules(save, "raw", "PREROUTING");
    expect(raw.map((r) => [r.physdevIn?.value, r.target, r.targetOptions, isNotrackRule(r)])).toEqual([
      ["vif3.0", "CT", ["--notrack"], true],
      ["web1", "NOTRACK", [], true],
    ]);
    expect(listChainRules(save, "filter", "FORWARD").some(isNotrackRule)).toBe(false);
  });

  it("reads a MAC match, a negation, a quoted comment and a jump to a user chain", () => {
    const guests = listChainRules(save, "filter", "guests");
    expect(guests[0]).toMatchObject({
      inInterface: { value: "vif9.0", negated: false },
      source: { value: "10.0.9.0/24", negated: false },
      macSource: { value: "00:16:3e:00:00:09", negated: false },
    });
    expect(guests[1]).toMatchObject({ source: { value: "192.168.0.0/16", negated: true }, target: "RETURN" });
    expect(guests[1]?.matches).toContainEqual({ module: "comment", option: "comment", value: 'not "internal" traffic', negated: false });
    expect(listChainRules(save, "filter", "FORWARD").at(-1)?.target).toBe("guests");
  });

  it("reads the counters of iptables-save -c", () => {
    const counted = parseIptablesSave(fixture("bridge-antispoof-counters.iptables-save.txt"));
    const plain = listChainRules(save, "filter", "FORWARD").map((r) => r.text);
    const rules = listChainRules(counted, "filter", "FORWARD");
    expect(rules.map((r) => r.text)).toEqual(plain);
    expect(rules[0]?.packets).toBe(0n);
    expect(rules[0]?.bytes).toBe(0n);
  });

  it("notices legacy tables iptables-nft warns about", () => {
    const legacy = parseIptablesSave(fixture("legacy-tables-present.iptables-save.txt"));
    expect(legacy.legacyTablesPresent).toBe(true);
    expect(legacy.warnings[0]).toMatch(/iptables-legacy tables present/);
    expect(readChainPolicy(legacy, "filter", "FORWARD")).toBe("ACCEPT");
  });

  it("takes an empty output (no table loaded) and a cut-off one", () => {
    expect(parseIptablesSave("").tables.size).toBe(0);
    const cut = parseIptablesSave("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j ACCEPT\n");
    expect(readChainPolicy(cut, "filter", "FORWARD")).toBe("DROP");
    expect(cut.warnings).toEqual(["table filter has no COMMIT: the output may be cut off"]);
    const junk = parseIptablesSave("hello\n*filter\n-X nonsense\nCOMMIT\n");
    expect(junk.warnings).toEqual(["line 1: outside a table: hello", "line 3: not a rule: -X nonsense"]);
  });

  it("keeps the old iptables forms: the chapter's NOTRACK on --physdev-in, -i wildcards, negated physdev", () => {
    const rule = parseRuleLine("raw", '-A PREROUTING -i vif+ -m physdev ! --physdev-in "n1" -j NOTRACK');
    expect(rule).toMatchObject({ inInterface: { value: "vif+", negated: false }, physdevIn: { value: "n1", negated: true }, target: "NOTRACK" });
    expect(parseRuleLine("filter", "-A FORWARD -m physdev ! --physdev-is-bridged -j DROP")?.physdevIsBridged).toBe(false);
    expect(parseRuleLine("filter", "-A FORWARD -g guests")).toMatchObject({ target: "guests", goto: true });
    expect(parseRuleLine("filter", "-P FORWARD DROP")).toBeNull();
  });
});

describe("tokenizeIptablesLine", () => {
  it("unquotes and unescapes like iptables-restore", () => {
    expect(tokenizeIptablesLine('-m comment --comment "a \\"b\\" c" -j ACCEPT')).toEqual(["-m", "comment", "--comment", 'a "b" c', "-j", "ACCEPT"]);
    expect(tokenizeIptablesLine('--comment "open')).toBeNull();
  });
});

describe("normalizeIpv4Network", () => {
  it("gives the masked form iptables-save prints", () => {
    expect(normalizeIpv4Network("10.0.2.20")).toBe("10.0.2.20/32");
    expect(normalizeIpv4Network("10.0.2.20/32")).toBe("10.0.2.20/32");
    expect(normalizeIpv4Network("10.0.2.20/24")).toBe("10.0.2.0/24");
    expect(normalizeIpv4Network("2001:db8::1")).toBeNull();
    expect(normalizeIpv4Network("10.0.2")).toBeNull();
  });
});
