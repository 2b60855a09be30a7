import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { HostError } from "~/server/host/driver";
import { ZInventorySchema } from "~/server/host/inventory";
import { listVifs, parseXlConfig } from "~/server/xen";

import { createSimDriver, type SimDriver } from "./sim-driver";

let dir: string;
const now = 1_700_000_000_000;
const open = (extra: Partial<Parameters<typeof createSimDriver>[0]> = {}) =>
  createSimDriver({ seed: 1, domains: 6, mode: "bridge", configDir: dir, randomEvents: false, now: () => now, ...extra });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a HostError");
    },
    (error: unknown) => {
      if (!(error instanceof HostError)) throw error;
      return error;
    },
  );

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-sim-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("the sim driver's config files", () => {
  it("writes each domain's file with server/xen's formatter, and xl (server/xen) reads back the same vifs", async () => {
    const driver = await open();
    const text = await fs.readFile(path.join(dir, "mail.cfg"), "utf8");
    const { ok, config } = parseXlConfig(text);
    expect(ok).toBe(true);
    const vif = driver.host.readInventory().vifs.find((v) => v.domain === "mail");
    expect(listVifs(config).map((v) => [v.effective.mac, v.effective.bridge, v.effective.vifname, v.effective.rate?.bytesPerInterval])).toEqual([
      [vif?.mac, "xenbr0", "mail", 62_500],
    ]);
    expect(text).toContain("'mac=");
  });

  it("boots guests from their config file: an edit takes effect at the next xl create, not at xl reboot", async () => {
    const driver = await open();
    const file = path.join(dir, "dns.cfg");
    const text = await fs.readFile(file, "utf8");
    await fs.writeFile(file, text.replace("]\n", "    'mac=00:16:3e:00:0d:01,bridge=xenbr1,vifname=dns-int',\n]\n"));
    driver.host.reboot("dns");
    expect(driver.host.readInventory().vifs.filter((v) => v.domain === "dns")).toHaveLength(1);
    driver.host.shutdown("dns");
    driver.host.boot("dns");
    expect(driver.host.readInventory().vifs.filter((v) => v.domain === "dns").map((v) => [v.devid, v.kernelName, v.bridge])).toEqual([
      [0, expect.stringMatching(/^vif\d+\.0$/), "xenbr0"],
      [1, "dns-int", "xenbr1"],
    ]);
  });

  it("refuses to create a domain from a config xl refuses, and the domain stays off", async () => {
    const driver = await open();
    await fs.writeFile(path.join(dir, "dns.cfg"), "name = \"dns\"\nvif = [ 'bridge=xenbr0,rate=fast' ]\n");
    driver.host.shutdown("dns");
    expect(() => driver.host.boot("dns")).toThrow(/config parsing error in vif: invalid rate in `fast'\nFailed to parse config: Invalid argument/);
    expect(driver.host.isRunning("dns")).toBe(false);
  });

  it("keeps files an admin edited when it starts again", async () => {
    await open();
    await fs.writeFile(path.join(dir, "web1.cfg"), "name = \"web1\"\nvif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr1,vifname=web1' ]\n");
    const again = await open();
    expect(again.host.readInventory().vifs.find((v) => v.domain === "web1")).toMatchObject({ mac: "00:16:3e:00:00:01", bridge: "xenbr1" });
  });

  it("boots a guest with a vifname that collides into a failed create (140)", async () => {
    await fs.writeFile(path.join(dir, "dns.cfg"), "name = \"dns\"\nvif = [ 'bridge=xenbr0,vifname=web1' ]\n");
    const driver = await open();
    expect(driver.host.isRunning("dns")).toBe(false);
    expect(driver.host.events.find((e) => e.kind === "boot-failed" && e.domain === "dns")?.detail).toMatch(
      /script: Cannot rename interface vif\d+\.0\. An interface with name web1 already exists\.\n.*unable to add vif devices/s,
    );
  });
});

describe("the sim driver's attachVif and detachVif", () => {
  let driver: SimDriver;
  beforeEach(async () => {
    driver = await open();
  });

  it("answers with the xl command line it stands for", async () => {
    await expect(driver.attachVif({ domain: "db1", tokens: ["mac=00:16:3e:00:00:02", "bridge=xenbr0"] })).resolves.toEqual({
      command: ["xl", "network-attach", "db1", "mac=00:16:3e:00:00:02", "bridge=xenbr0"],
      exitCode: 0,
      stdout: "",
      stderr: "",
      durationMs: 0,
    });
    await expect(driver.detachVif({ domain: "db1", devid: 2 })).resolves.toMatchObject({ command: ["xl", "network-detach", "db1", "2"], exitCode: 0 });
  });

  it("throws the same HostErrors as the xl driver", async () => {
    const bridge = await failure(driver.attachVif({ domain: "db1", tokens: ["mac=00:16:3e:00:00:98", "bridge=nosuchbr0"] }));
    expect(bridge.code).toBe("COMMAND_FAILED");
    expect(bridge.message).toMatch(/^The vif hotplug script failed: Could not find bridge device nosuchbr0\. Create the bridge first.*devid 2/);
    expect(bridge.details).toMatchObject({ command: ["xl", "network-attach", "db1", "mac=00:16:3e:00:00:98", "bridge=nosuchbr0"], exitCode: 1 });
    expect(bridge.details.stderr).toMatch(/libxl_device_nic_add failed\.\n$/);
    await expect(driver.attachVif({ domain: "nosuchdom", tokens: [] })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(driver.detachVif({ domain: "db1", devid: 42 })).rejects.toMatchObject({ code: "NOT_FOUND", message: "The domain has no vif 42 (no such devid or MAC)." });
    await expect(driver.attachVif({ domain: "db1", tokens: ["rate=fast"] })).rejects.toMatchObject({ code: "COMMAND_FAILED", message: "xl refused the vif settings: invalid rate in `fast'." });
    await expect(driver.attachVif({ domain: "db1", tokens: ["-N"] })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });

  it("shows the leftover in the inventory the agent verifies against", async () => {
    await failure(driver.attachVif({ domain: "db1", tokens: ["bridge=xenbr0", "vifname=averyverylongvifname"] }));
    const inventory = ZInventorySchema.parse(await driver.readInventory());
    expect(inventory.vifs.find((v) => v.domain === "db1" && v.devid === 2)).toMatchObject({ operState: "down", bridge: null, backendState: 4 });
  });
});
