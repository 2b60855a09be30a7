import { describe, expect, it } from "vitest";
import { parseXlConfig, readXlConfDefaults, validateXlConfigs, ZHostFactsSchema, type THostFacts } from "./index";

const HOST: THostFacts = {
  bridges: ["xenbr0", "xenbr1"],
  macsInUse: [
    { mac: "00:16:3e:00:00:01", where: "web1/0" },
    { mac: "00:16:3e:00:00:11", where: "db1/0" },
  ],
};

const web1 = "name = 'web1'\nvif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0,vifname=web1,ip=10.0.2.21' ]\n";
const db1 = "name = 'db1'\nvif = [ 'mac=00:16:3e:00:00:11,bridge=xenbr0,ip=10.0.2.22', 'mac=00:16:3e:00:00:12,bridge=xenbr1,ip=10.0.2.23' ]\n";

describe("validateXlConfigs", () => {
  it("accepts the lab's configs against the lab host (own MACs in use are no conflict)", () => {
    const r = validateXlConfigs([{ name: "web1.cfg", text: web1 }, { name: "db1.cfg", text: db1 }], HOST);
    expect(r.ok).toBe(true);
    expect(r.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    expect(r.macs.map((m) => m.mac)).toEqual(["00:16:3e:00:00:01", "00:16:3e:00:00:11", "00:16:3e:00:00:12"]);
  });

  it("refuses a MAC used by another guest on the host", () => {
    const r = validateXlConfigs([{ name: "new.cfg", text: "name = 'new'\nvif = [ 'mac=00:16:3E:00:00:11,ip=10.0.0.9' ]\n" }], HOST);
    expect(r.ok).toBe(false);
    const d = r.diagnostics.find((x) => x.code === "VIF_MAC_DUPLICATE");
    expect(d?.file).toBe("new.cfg");
    expect(d?.message).toContain("db1/0");
  });

  it("refuses the same MAC in two files, in both files", () => {
    const other = "name = 'other'\nvif = [ 'mac=00:16:3e:00:00:12,ip=10.0.0.8' ]\n";
    const r = validateXlConfigs([{ name: "db1.cfg", text: db1 }, { name: "other.cfg", text: other }], { bridges: [], macsInUse: [] });
    expect(r.files.map((f) => f.ok)).toEqual([false, false]);
  });

  it("refuses a MAC twice in one file", () => {
    const r = validateXlConfigs([{ name: "a.cfg", text: "vif = [ 'mac=00:16:3e:00:00:05', 'mac=00:16:3e:00:00:05' ]\n" }]);
    expect(r.diagnostics.filter((d) => d.code === "VIF_MAC_DUPLICATE")).toHaveLength(1);
  });

  it("warns about bridges the host does not have, including the default one", () => {
    const r = validateXlConfigs([{ name: "a.cfg", text: "vif = [ 'bridge=nosuchbr0,ip=10.0.0.1', 'ip=10.0.0.2' ]\n" }], { bridges: ["br0"], macsInUse: [] });
    expect(r.diagnostics.filter((d) => d.code === "VIF_BRIDGE_UNKNOWN").map((d) => d.line)).toEqual([1, 1]);
    expect(r.ok).toBe(true);
  });

  it("refuses a vifname used by two files", () => {
    const r = validateXlConfigs([
      { name: "a.cfg", text: "vif = [ 'vifname=web1' ]\n" },
      { name: "b.cfg", text: "vif = [ 'vifname=web1' ]\n" },
    ]);
    expect(r.diagnostics.filter((d) => d.code === "VIF_VIFNAME_DUPLICATE").map((d) => d.file)).toEqual(["a.cfg", "b.cfg"]);
  });

  it("in routed mode asks for ip= and notes that bridge= is ignored", () => {
    const r = validateXlConfigs([{ name: "a.cfg", text: "vif = [ 'bridge=xenbr0' ]\n" }], { bridges: [], macsInUse: [], networkMode: "route" });
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(["VIF_ROUTE_BRIDGE_IGNORED", "VIF_ROUTE_NEEDS_IP"]);
  });

  it("carries per-file checks: devid 10, more than 8 vifs, duplicate devid", () => {
    const many = `vif = [ ${Array.from({ length: 11 }, (_, i) => `'mac=00:16:3e:00:01:${i.toString(16).padStart(2, "0")}'`).join(", ")} ]\n`;
    const codes = validateXlConfigs([{ name: "m.cfg", text: many }]).diagnostics.map((d) => d.code);
    expect(codes).toContain("VIF_DEVID_10");
    expect(codes).toContain("VIF_TOO_MANY");
    expect(parseXlConfig("vif = [ 'devid=1', 'bridge=xenbr0' ]\n").diagnostics.map((d) => d.code)).toContain("VIF_DEVID_DUPLICATE");
  });

  it("accepts already parsed files", () => {
    const parsed = parseXlConfig(web1, { source: "web1.cfg" });
    expect(validateXlConfigs([{ name: "web1.cfg", parsed }], HOST).ok).toBe(true);
  });

  it("validates host facts with zod", () => {
    expect(ZHostFactsSchema.safeParse(HOST).success).toBe(true);
    expect(ZHostFactsSchema.safeParse({ bridges: "xenbr0" }).success).toBe(false);
  });
});

describe("xl.conf defaults", () => {
  it("reads vif.default.* and the deprecated names", () => {
    const c = parseXlConfig('vif.default.bridge="xenbr1"\nvifscript="vif-route"\n').config;
    const d = readXlConfDefaults(c);
    expect([d.bridge, d.script, d.gatewaydev]).toEqual(["xenbr1", "vif-route", null]);
    expect(d.diagnostics[0]?.xlMessage).toBe("the global config option vifscript is deprecated, please switch to vif.default.script");
  });
});
