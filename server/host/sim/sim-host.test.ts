import { describe, expect, it } from "vitest";

import { ZCountersSchema, ZInventorySchema } from "~/server/host/inventory";

import { createScenario, type ScenarioOptions } from "./scenario";
import { SimHost } from "./sim-host";

function createHost(seed = 1, domains = 6, mode: "bridge" | "route" | "nat" = "bridge", options: Partial<ScenarioOptions> = {}) {
  let now = 1_700_000_000_000;
  const host = new SimHost({ scenario: createScenario({ seed, domains, mode, ...options }), seed, randomEvents: false, now: () => now });
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

    const newDomid = host.reboot("db1") ?? -1;
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

  it("route mode: no bridge, vif-route vifs with ip=, a host route per address (network-route)", () => {
    const { host } = createHost(1, 6, "route");
    const inventory = ZInventorySchema.parse(host.readInventory());
    expect(inventory.host).toMatchObject({ networkMode: "route", vifScript: "vif-route" });
    expect(inventory.bridges).toEqual([]);
    expect(inventory.nics).toEqual([expect.objectContaining({ name: "eth0", master: null, addresses: ["10.0.2.1/24"] })]);
    expect(inventory.vifs.every((v) => v.bridge === null && v.script === "vif-route" && v.ips.length > 0 && v.operState === "up")).toBe(true);
    const web1 = inventory.vifs.find((v) => v.domain === "web1");
    expect(host.readRoutes()).toContainEqual({ destination: web1?.ips[0], device: "web1", source: "10.0.2.1", origin: "vif-route" });
    expect(host.readIptablesSave()).toContain(`-A FORWARD -s ${web1?.ips[0]}/32 -i web1 -j ACCEPT`);
    // A routed vif attached without ip= comes up, but gets no route.
    expect(host.attachVif("db1", ["mac=00:16:3e:00:00:42"]).exitCode).toBe(0);
    const added = host.readInventory().vifs.find((v) => v.mac === "00:16:3e:00:00:42");
    expect(added).toMatchObject({ bridge: null, script: "vif-route", operState: "up", ips: [] });
    expect(host.readRoutes().some((r) => r.device === added?.kernelName)).toBe(false);
  });

  it("nat mode: routed vif-nat vifs in a private range, dom0 masquerading out of eth0 (network-nat)", () => {
    const { host } = createHost(1, 6, "nat");
    const inventory = ZInventorySchema.parse(host.readInventory());
    expect(inventory.host).toMatchObject({ networkMode: "nat", vifScript: "vif-nat" });
    expect(inventory.bridges).toEqual([]);
    expect(inventory.nics).toEqual([expect.objectContaining({ name: "eth0", addresses: ["192.0.2.10/24"] })]);
    expect(inventory.vifs.every((v) => v.bridge === null && v.script === "vif-nat" && v.ips.every((ip) => ip.startsWith("10.0.")))).toBe(true);
    expect(host.readIptablesSave()).toContain("*nat\n");
    expect(host.readIptablesSave()).toContain("-A POSTROUTING -o eth0 -j MASQUERADE");
    expect(host.readRoutes().filter((r) => r.origin === "vif-nat")).toHaveLength(inventory.vifs.filter((v) => v.kind === "vif").length);
  });

  it("brouter: xenbr0 has its own address and route and no physical port; eth0 is on no bridge", () => {
    const { host } = createHost(1, 6, "bridge", { brouter: true });
    const inventory = ZInventorySchema.parse(host.readInventory());
    const xenbr0 = inventory.bridges.find((b) => b.name === "xenbr0");
    expect(xenbr0?.addresses).toEqual(["10.0.2.1/24"]);
    expect(xenbr0?.ports.every((p) => p.kind === "vif" || p.kind === "emu")).toBe(true);
    expect(inventory.nics).toEqual([expect.objectContaining({ name: "eth0", master: null, addresses: ["192.0.2.10/24"] })]);
    expect(inventory.vifs.some((v) => v.kernelName === "vif0.0")).toBe(false);
    expect(host.readRoutes()).toContainEqual({ destination: "10.0.2.0/24", device: "xenbr0", source: "10.0.2.1", origin: "brouter" });
    expect(() => createScenario({ seed: 1, domains: 1, mode: "route", brouter: true })).toThrow(RangeError);
  });

  it("keeps its options in range and gives chosen interfaces 32-bit counters", () => {
    expect(() => createScenario({ seed: 1, domains: 0, mode: "bridge" })).toThrow(RangeError);
    expect(() => createScenario({ seed: 1, domains: 1001, mode: "bridge" })).toThrow(RangeError);
    expect(() => createScenario({ seed: 1, domains: 10, mode: "bridge", vifsPerDomain: 9 })).toThrow(RangeError);
    const scenario = createScenario({ seed: 1, domains: 8, mode: "bridge", vifsPerDomain: 8, counters32: ["db1/1", "peth0"] });
    expect(scenario.domains[7]?.vifs).toHaveLength(8);
    expect(scenario.domains.flatMap((d) => d.vifs.filter((v) => v.counterBits === 32).map((v) => `${d.name}/${v.devid}`))).toEqual(["db1/1"]);
    expect(scenario.hostCounters32).toEqual(["peth0"]);
  });

  it("bursts: a burst epoch multiplies the traffic", () => {
    const quiet = createHost(1, 6, "bridge", { traffic: { burstChance: 0 } });
    const loud = createHost(1, 6, "bridge", { traffic: { burstChance: 1, burstFactor: 10 } });
    quiet.tick(60_000);
    loud.tick(60_000);
    const bytes = (host: SimHost) => host.readGroundTruth().get("dns/0")?.txBytes ?? 0n;
    const ratio = Number(bytes(loud.host)) / Number(bytes(quiet.host));
    expect(ratio).toBeGreaterThan(9.9);
    expect(ratio).toBeLessThan(10.1);
  });

  it("scales to 1,000 domains with 8 vifs each, and reads them fast", () => {
    const { host, tick } = createHost(3, 1000, "bridge", { vifsPerDomain: 8 });
    const inventory = ZInventorySchema.parse(host.readInventory());
    expect(inventory.domains).toHaveLength(1001);
    expect(inventory.vifs.filter((v) => v.kind === "vif")).toHaveLength(1000 * 8 - 6 * 8 + 10);
    expect(new Set(inventory.vifs.map((v) => v.mac)).size).toBe(inventory.vifs.filter((v) => v.kind === "vif").length);
    const time = (read: () => unknown) => {
      const times: number[] = [];
      for (let i = 0; i < 9; i++) {
        tick(10_000);
        const start = performance.now();
        read();
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[4] ?? Infinity;
    };
    // Generous bounds for a loaded CI machine; the measured medians are a few ms.
    expect(time(() => host.readInventory())).toBeLessThan(40);
    expect(time(() => host.readCounters())).toBeLessThan(40);
    expect(host.readCounters().interfaces).toHaveLength(host.readInventory().vifs.length + 5);
  });
});
