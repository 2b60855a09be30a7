import { describe, expect, it } from "vitest";

import type { TInventory, TVif } from "~/server/host/inventory";

import { looksLikeGuestInterface, mapInterfaces, stableKeyOf, toKeyDirection, zeroRawCounters } from "./identity";

function vif(over: Partial<TVif>): TVif {
  return {
    kernelName: "vif6.0",
    ifindex: 10,
    domid: 6,
    domain: "web1",
    devid: 0,
    vifname: null,
    kind: "vif",
    mac: "00:16:3e:11:22:33",
    ips: [],
    bridge: "xenbr0",
    script: "vif-bridge",
    rate: null,
    backendState: 4,
    operState: "up",
    mtu: 1500,
    ...over,
  };
}

const inventory: TInventory = {
  host: { hostname: "h", driver: "sim", xenVersion: "4.17", kernel: "6.1", networkMode: "bridge", vifScript: "vif-bridge" },
  domains: [],
  bridges: [
    {
      name: "xenbr0",
      ifindex: 3,
      bridgeId: "8000.0",
      stp: false,
      mtu: 1500,
      operState: "up",
      addresses: [],
      ports: [
        { name: "peth0", ifindex: 2, kind: "physical", stpState: "forwarding", operState: "up" },
        { name: "vif0.0", ifindex: 4, kind: "dom0", stpState: "forwarding", operState: "up" },
        { name: "winfront", ifindex: 11, kind: "vif", stpState: "forwarding", operState: "up" },
        { name: "winfront-emu", ifindex: 12, kind: "emu", stpState: "forwarding", operState: "up" },
      ],
    },
  ],
  vifs: [
    vif({ kernelName: "vif6.0", ifindex: 10 }),
    vif({ kernelName: "winfront", ifindex: 11, domain: "win2k19", domid: 7, vifname: "winfront" }),
    vif({ kernelName: "winfront-emu", ifindex: 12, domain: "win2k19", domid: 7, vifname: "winfront", kind: "emu" }),
    vif({ kernelName: "vif7.1-emu", ifindex: 13, domain: "win2k19", domid: 7, devid: 1, kind: "emu" }),
  ],
  nics: [{ name: "peth0", ifindex: 2, mac: "fe:ff:ff:ff:ff:ff", mtu: 1500, operState: "up", master: "xenbr0", addresses: [] }],
};

describe("stableKeyOf", () => {
  it("uses the vifname when there is one, else domain/devid", () => {
    expect(stableKeyOf({ vifname: "web1", domain: "web1", devid: 0 })).toBe("web1");
    expect(stableKeyOf({ vifname: null, domain: "db1", devid: 1 })).toBe("db1/1");
  });
});

describe("mapInterfaces", () => {
  const names = ["lo", "peth0", "xenbr0", "vif0.0", "vif6.0", "winfront", "winfront-emu", "vif7.1-emu", "tap3", "vif9.0", "docker0"];
  const mapping = mapInterfaces(inventory, names);

  it("keys guest vifs by stable name and folds the -emu twin into its vif's key", () => {
    expect(mapping.get("vif6.0")).toMatchObject({ key: "web1/0", kind: "guest", domid: 6, domain: "web1", devid: 0 });
    expect(mapping.get("winfront")?.key).toBe("winfront");
    expect(mapping.get("winfront-emu")?.key).toBe("winfront");
    expect(mapping.get("vif7.1-emu")?.key).toBe("win2k19/1");
  });

  it("keys host interfaces by kernel name, with a category", () => {
    expect(mapping.get("xenbr0")).toMatchObject({ key: "xenbr0", kind: "host", category: "bridge" });
    expect(mapping.get("peth0")).toMatchObject({ key: "peth0", category: "physical", bridge: "xenbr0" });
    expect(mapping.get("vif0.0")).toMatchObject({ key: "vif0.0", category: "dom0" });
    expect(mapping.get("tap3")).toMatchObject({ key: "tap3", category: "tap" });
    expect(mapping.get("docker0")).toMatchObject({ key: "docker0", category: "other" });
  });

  it("leaves out lo and guest-looking names the inventory does not know", () => {
    expect(mapping.has("lo")).toBe(false);
    expect(mapping.has("vif9.0")).toBe(false);
    expect(looksLikeGuestInterface("vif0.0")).toBe(false);
    expect(looksLikeGuestInterface("vif12.3")).toBe(true);
    expect(looksLikeGuestInterface("web1-emu")).toBe(true);
  });
});

describe("toKeyDirection", () => {
  it("turns a guest vif around (guest in = dom0 tx) and keeps host interfaces as the kernel sees them", () => {
    const raw = { ...zeroRawCounters(), rxBytes: 100n, txBytes: 7n, rxDrops: 1n };
    expect(toKeyDirection(raw, "guest")).toMatchObject({ inBytes: 7n, outBytes: 100n, outDrops: 1n });
    expect(toKeyDirection(raw, "host")).toMatchObject({ inBytes: 100n, outBytes: 7n, inDrops: 1n });
  });
});
