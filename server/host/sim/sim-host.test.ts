import { describe, expect, it } from "vitest";

import { ZCountersSchema, ZInventorySchema } from "~/server/host/inventory";

import { createScenario } from "./scenario";
import { SimHost } from "./sim-host";

function createHost(seed = 1, domains = 6, mode: "bridge" | "route" | "nat" = "bridge") {
  let now = 1_700_000_000_000;
  const host = new SimHost({ scenario: createScenario({ seed, domains, mode }), seed, randomEvents: false, now: () => now });
  return { host, tick: (ms: number) => (now += ms) };
}

describe("the simulated host", () => {
  it("is the same host for the same seed, and another for another seed", () => {
    const a = createHost(7).host.readInventory();
    const b = createHost(7).host.readInventory();
    const c = createHost(8).host.readInventory();
    expect(a).toEqual(b);
    expect(a.vifs.map((v) => v.mac)).not.toEqual(c.vifs.map((v) => v.mac));
  });

  it("reports an inventory and counters that satisfy the agent's schemas", () => {
    const { host, tick } = createHost();
    tick(5_000);
    expect(ZInventorySchema.safeParse(host.readInventory()).success).toBe(true);
    expect(ZCountersSchema.safeParse(host.readCounters()).success).toBe(true);
  });

  it("has dom0's vif0.0 and peth0 on xenbr0, and an internal bridge with no physical port", () => {
    const inventory = createHost().host.readInventory();
    const [xenbr0, xenbr1] = inventory.bridges;
    expect(xenbr0?.ports.filter((p) => p.kind !== "vif" && p.kind !== "emu").map((p) => p.name)).toEqual(["peth0", "vif0.0"]);
    expect(xenbr1?.ports.every((p) => p.kind === "vif" || p.kind === "emu")).toBe(true);
    expect(inventory.nics.map((n) => n.name)).toEqual(["peth0"]);
  });

  it("names a vif by its vifname, else vif<domid>.<devid>, and gives an HVM guest -emu twins", () => {
    const inventory = createHost().host.readInventory();
    const names = inventory.vifs.map((v) => v.kernelName);
    expect(names).toContain("web1");
    const db1 = inventory.vifs.filter((v) => v.domain === "db1");
    expect(db1.map((v) => v.kernelName)).toEqual([`vif${db1[0]?.domid}.0`, `vif${db1[0]?.domid}.1`]);
    const win = inventory.vifs.filter((v) => v.domain === "win2k19");
    expect(win.map((v) => [v.kernelName, v.kind])).toEqual([
      ["winfront", "vif"],
      ["winfront-emu", "emu"],
      [`vif${win[0]?.domid}.1`, "vif"],
      [`vif${win[0]?.domid}.1-emu`, "emu"],
    ]);
  });

  it("gives a rebooted domain a new domid, new interfaces, and counters from zero", () => {
    const { host, tick } = createHost();
    tick(60_000);
    const before = host.readInventory().vifs.find((v) => v.domain === "db1" && v.devid === 0)!;
    const countersBefore = host.readCounters().interfaces.find((i) => i.name === before.kernelName)!;
    expect(countersBefore.txBytes).toBeGreaterThan(0n);

    const newDomid = host.reboot("db1");
    const after = host.readInventory().vifs.find((v) => v.domain === "db1" && v.devid === 0)!;
    expect(newDomid).not.toBe(before.domid);
    expect(after.kernelName).toBe(`vif${newDomid}.0`);
    expect(after.ifindex).not.toBe(before.ifindex);
    expect(host.readCounters().interfaces.find((i) => i.name === after.kernelName)?.txBytes).toBe(0n);
    expect(host.readCounters().interfaces.some((i) => i.name === before.kernelName)).toBe(false);
  });

  it("keeps a vifname across reboots", () => {
    const { host } = createHost();
    const before = host.readInventory().vifs.find((v) => v.domain === "web1")!;
    host.reboot("web1");
    const after = host.readInventory().vifs.find((v) => v.domain === "web1")!;
    expect(after.kernelName).toBe("web1");
    expect(after.domid).not.toBe(before.domid);
  });

  it("wraps 32-bit counters and its ground truth adds up what the counters moved", () => {
    const { host, tick } = createHost();
    const name = () => host.readInventory().vifs.find((v) => v.domain === "build" && v.devid === 0)!.kernelName;
    let previous = 0n;
    let sum = 0n;
    let wrapped = false;
    for (let i = 0; i < 400; i++) {
      tick(300_000);
      const current = host.readCounters().interfaces.find((c) => c.name === name())!.txBytes;
      expect(current).toBeLessThan(1n << 32n);
      if (current < previous) wrapped = true;
      sum += current >= previous ? current - previous : current + (1n << 32n) - previous;
      previous = current;
    }
    expect(wrapped).toBe(true);
    expect(host.readGroundTruth().get("build/0")?.txBytes).toBe(sum);
  });

  it("sends an HVM guest's first traffic through its emulated twin, then through the vif", () => {
    const { host, tick } = createHost();
    tick(10_000);
    const early = host.readCounters().interfaces;
    expect(early.find((i) => i.name === "winfront-emu")!.txBytes).toBeGreaterThan(0n);
    expect(early.find((i) => i.name === "winfront")!.txBytes).toBe(0n);
    tick(60_000);
    expect(host.readCounters().interfaces.find((i) => i.name === "winfront")!.txBytes).toBeGreaterThan(0n);
  });

  it("shuts down and boots domains, refusing unknown ones with xl's message", () => {
    const { host } = createHost();
    host.shutdown("dns");
    expect(host.readInventory().domains.some((d) => d.name === "dns")).toBe(false);
    expect(() => host.shutdown("dns")).toThrow("dns is an invalid domain identifier (rc=-6)");
    host.boot("dns");
    expect(host.isRunning("dns")).toBe(true);
    expect(() => host.boot("nosuch")).toThrow("nosuch is an invalid domain identifier");
  });

  it("has no bridges in route mode, and routed vifs", () => {
    const inventory = createHost(1, 6, "route").host.readInventory();
    expect(inventory.host.networkMode).toBe("route");
    expect(inventory.bridges).toEqual([]);
    expect(inventory.vifs.every((v) => v.bridge === null && v.script === "vif-route" && v.ips.length > 0)).toBe(true);
  });

  it("scales to 1,000 domains", () => {
    const inventory = createHost(3, 1000).host.readInventory();
    expect(inventory.domains).toHaveLength(1001);
    expect(new Set(inventory.vifs.map((v) => v.mac)).size).toBe(inventory.vifs.filter((v) => v.kind === "vif").length);
  });
});
