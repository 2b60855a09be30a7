import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { HostError, type HostDriver } from "~/server/host/driver";
import { createSimDriver, type SimDriver } from "~/server/host/sim/sim-driver";
import { listVifs, parseXlConfig } from "~/server/xen";

import { ConfigStore } from "./config-store";
import { createOperations, type Operations } from "./operations";

let dir: string;
let sim: SimDriver;
let configs: ConfigStore;
let ops: Operations;
let now: number;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-ops-"));
  now = 1_700_000_000_000;
  sim = await createSimDriver({ seed: 1, domains: 6, mode: "bridge", configDir: dir, randomEvents: false, now: () => now });
  configs = await ConfigStore.open(dir);
  ops = createOperations(sim, configs);
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function configVifs(name: string) {
  const text = await fs.readFile(path.join(dir, name), "utf8");
  return listVifs(parseXlConfig(text).config);
}

async function errorOf(promise: Promise<unknown>): Promise<HostError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostError);
  return error as HostError;
}

describe("attaching a vif", () => {
  it("generates a MAC no one uses, attaches, checks the vif is up on its bridge, and adds the same vif to the config", async () => {
    const before = await sim.readInventory();
    const result = await ops.attachVif({ domain: "db1", vif: { bridge: "xenbr1", ip: ["192.168.100.77"] }, persist: true });

    expect(result.command.slice(0, 3)).toEqual(["xl", "network-attach", "db1"]);
    expect(result.command).toContain(`mac=${result.mac}`);
    expect(result.mac).toMatch(/^00:16:3e:[0-7][0-9a-f]:/);
    expect(before.vifs.map((v) => v.mac)).not.toContain(result.mac);
    const after = await sim.readInventory();
    const vif = after.vifs.find((v) => v.mac === result.mac && v.kind === "vif");
    expect(vif).toMatchObject({ domain: "db1", devid: result.devid, bridge: "xenbr1", operState: "up" });

    expect(result.persisted?.name).toBe("db1.cfg");
    const inConfig = (await configVifs("db1.cfg")).map((v) => v.effective);
    expect(inConfig.at(-1)).toMatchObject({ mac: result.mac, bridge: "xenbr1", ips: ["192.168.100.77"] });
    expect(result.persisted?.backup).toMatch(/^\.vifdeck-backups\/db1\.cfg\./);
  });

  it("refuses a MAC that another guest or a config file already has", async () => {
    const taken = (await sim.readInventory()).vifs.find((v) => v.domain === "web1")!.mac;
    const error = await errorOf(ops.attachVif({ domain: "db1", vif: { mac: taken }, persist: false }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain("already used");
  });

  it("refuses an interface name that exists, naming it", async () => {
    const error = await errorOf(ops.attachVif({ domain: "db1", vif: { vifname: "mail" }, persist: false }));
    expect(error.message).toContain("an interface named mail already exists");
  });

  it("in route mode, refuses a vif without ip=", async () => {
    const routed = await createSimDriver({ seed: 1, domains: 3, mode: "route", configDir: path.join(dir, "route"), randomEvents: false });
    const error = await errorOf(createOperations(routed, await ConfigStore.open(path.join(dir, "route"))).attachVif({ domain: "web1", vif: {}, persist: false }));
    expect(error.message).toContain("needs ip=");
  });

  it("refuses an unknown domain and Domain-0", async () => {
    expect((await errorOf(ops.attachVif({ domain: "nosuch", vif: {}, persist: false }))).code).toBe("NOT_FOUND");
    expect((await errorOf(ops.attachVif({ domain: "Domain-0", vif: {}, persist: false }))).code).toBe("INVALID_INPUT");
  });

  it("warns at devid 10 and then refuses further attaches until it is detached, as xl would fail", async () => {
    let last;
    for (let i = 0; i < 9; i++) last = await ops.attachVif({ domain: "web1", vif: { bridge: "xenbr0" }, persist: false });
    expect(last?.devid).toBe(9);
    const tenth = await ops.attachVif({ domain: "web1", vif: { bridge: "xenbr0" }, persist: false });
    expect(tenth.devid).toBe(10);
    expect(tenth.warnings.join(" ")).toContain("devid 10");
    const refused = await errorOf(ops.attachVif({ domain: "web1", vif: { bridge: "xenbr0" }, persist: false }));
    expect(refused.message).toContain("device already exists in xenstore");
    await ops.detachVif({ domain: "web1", devid: 10, persist: false });
    expect((await ops.attachVif({ domain: "web1", vif: { bridge: "xenbr0" }, persist: false })).devid).toBe(10);
  });

  it("removes what a failed hotplug left behind, so the guest survives its next reboot", async () => {
    // The toolstack fails the hotplug (here: the bridge vanished between the check and the attach).
    const failing: HostDriver = {
      ...sim,
      attachVif: (request) => sim.attachVif({ ...request, tokens: request.tokens.map((t) => (t.startsWith("bridge=") ? "bridge=gone0" : t)) }),
    };
    const failingOps = createOperations(failing, configs);
    const error = await errorOf(failingOps.attachVif({ domain: "db1", vif: { bridge: "xenbr0" }, persist: true }));
    expect(error.code).toBe("COMMAND_FAILED");
    expect(error.message).toContain("Could not find bridge device gone0");
    expect(error.message).toContain("removed the half-attached devid");
    const db1 = (await sim.readInventory()).vifs.filter((v) => v.domain === "db1" && v.kind === "vif");
    expect(db1.map((v) => v.devid)).toEqual([0, 1]);
    expect(sim.host.reboot("db1")).not.toBeNull();
    expect((await configVifs("db1.cfg")).length).toBe(2);
  });
});

describe("detaching a vif", () => {
  it("returns the vif's final counters, detaches it and removes it from the config", async () => {
    now += 60_000;
    const vif = (await sim.readInventory()).vifs.find((v) => v.domain === "db1" && v.devid === 1)!;
    const result = await ops.detachVif({ domain: "db1", devid: 1, persist: true });
    expect(result.command).toEqual(["xl", "network-detach", "db1", "1"]);
    expect(result.final.interfaces.map((c) => c.name)).toEqual([vif.kernelName]);
    expect(result.final.interfaces[0]!.txBytes).toBeGreaterThan(0n);
    expect((await sim.readInventory()).vifs.some((v) => v.kernelName === vif.kernelName)).toBe(false);
    const remaining = await configVifs("db1.cfg");
    expect(remaining.map((v) => v.effective.mac)).toEqual([(await sim.readInventory()).vifs.find((v) => v.domain === "db1")!.mac]);
  });

  it("reads the -emu twin's counters too", async () => {
    now += 60_000;
    const result = await ops.detachVif({ domain: "win2k19", devid: 0, persist: false });
    expect(result.final.interfaces.map((c) => c.name).sort()).toEqual(["winfront", "winfront-emu"]);
  });

  it("refuses a devid the domain does not have", async () => {
    const error = await errorOf(ops.detachVif({ domain: "web1", devid: 7, persist: false }));
    expect(error).toMatchObject({ code: "NOT_FOUND", message: "web1 has no vif with devid 7" });
  });
});

describe("writing a config", () => {
  it("writes when xl would parse it and the file is unchanged, and reports warnings", async () => {
    const file = await configs.read("web1.cfg");
    const content = `${file.content}vif = [ 'mac=01:16:3e:00:00:01' ]\n`;
    const written = await ops.writeConfig({ name: "web1.cfg", content, expectedSha256: file.sha256 });
    expect(written.warnings.join(" ")).toMatch(/multicast/i);
    expect(await fs.readFile(path.join(dir, "web1.cfg"), "utf8")).toBe(content);
  });

  it("refuses a config with an error, saying where", async () => {
    const file = await configs.read("web1.cfg");
    const error = await errorOf(ops.writeConfig({ name: "web1.cfg", content: `${file.content}memory = 12G\n`, expectedSha256: file.sha256 }));
    expect(error.message).toMatch(/line \d+, column \d+/);
  });
});
