import { describe, expect, it } from "vitest";
import { parseXendNetworkConfig, parseXmVifLine, parseXmVifSpec } from "./index";

describe("xm vif specs (xl-syntax.md §7.1)", () => {
  it("strips keys and values on both sides", () => {
    const v = parseXmVifSpec(" mac=00:16:3e:00:00:11 , bridge = xenbr0 ");
    expect(v.entries).toEqual([
      { key: "mac", value: "00:16:3e:00:00:11" },
      { key: "bridge", value: "xenbr0" },
    ]);
    expect(v.xlSpec).toBe("mac=00:16:3e:00:00:11,bridge=xenbr0");
    expect(v.ok).toBe(true);
  });

  it("refuses empty pieces and bare words, and unknown keys", () => {
    expect(parseXmVifSpec("bridge=xenbr0,").diagnostics[0]?.xlMessage).toBe("Error:  should be a pair, separated by an equals sign.");
    expect(parseXmVifSpec("xenif").diagnostics[0]?.code).toBe("XM_NOT_PAIR");
    expect(parseXmVifSpec("mtu=1500").diagnostics[0]?.xlMessage).toBe("Error: Invalid vif option: mtu");
    expect(parseXmVifSpec("").entries).toEqual([]);
  });

  it("reads the vif list of a Python file", () => {
    const r = parseXmVifLine("# c\nkernel = '/boot/x'\nvif = [ 'mac=00:16:3e:00:00:11, bridge=xenbr0', # one\n        \"\" 'bridge=xenbr1' ]\n");
    expect(r.found).toBe(true);
    expect(r.line).toBe(3);
    expect(r.vifs.map((v) => v.xlSpec)).toEqual(["mac=00:16:3e:00:00:11,bridge=xenbr0", "bridge=xenbr1"]);
    expect(parseXmVifLine("vif = [ 'ip=192.168.%d.1/24' % (vmid)]\n").diagnostics[0]?.code).toBe("XM_SYNTAX");
    expect(parseXmVifLine("name = 'x'\n").found).toBe(false);
  });
});

describe("xend-config.sxp (xl-syntax.md §7.2)", () => {
  it("reads network-script and vif-script", () => {
    const r = parseXendNetworkConfig("# x\n(network-script 'network-bridge netdev=eth1 bridge=xenbr1')\n(vif-script vif-bridge)\n#(network-script network-route)\n");
    expect(r.networkScript).toEqual({ script: "network-bridge", args: ["netdev=eth1", "bridge=xenbr1"], raw: "network-bridge netdev=eth1 bridge=xenbr1" });
    expect(r.vifScript?.script).toBe("vif-bridge");
    expect([r.bridge, r.netdev, r.mode]).toEqual(["xenbr1", "eth1", "bridge"]);
    expect(parseXendNetworkConfig("(network-script network-route)\n(vif-script     vif-route)\n").mode).toBe("route");
    expect(parseXendNetworkConfig("(network-script network-nat").diagnostics[0]?.code).toBe("SXP_SYNTAX");
  });
});
