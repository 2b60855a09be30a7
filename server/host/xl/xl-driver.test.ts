import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { HostError } from "~/server/host/driver";
import { ZCountersSchema, ZInventorySchema } from "~/server/host/inventory";
import { parseIpLinkJson } from "~/server/host/linux/ip-link";
import { createTestNetns, netnsUnavailableReason } from "~/server/host/linux/testdata/netns";
import type { TestNetns } from "~/server/host/linux/testdata/netns";
import { readFixture } from "~/server/host/linux/testdata/read-fixture";
import { buildInventory } from "~/server/host/xl/build-inventory";
import { parseXlList, parseXlListLong } from "~/server/host/xl/parse-xl";
import { extractBackendVifs, parseXenstoreLs } from "~/server/host/xl/xenstore";
import { XlDriver } from "~/server/host/xl/xl-driver";

const DIR = join(import.meta.dirname, "testdata");
const LINUX_DIR = join(import.meta.dirname, "../linux/testdata");
const fixture = (dir: string, file: string) => readFixture(dir, file).output;

const host = { hostname: "xenlab-dom0", xenVersion: "4.17.7", kernel: "6.1.0-56-amd64", networkMode: "bridge" as const, vifScript: "vif-bridge" };

describe("buildInventory on the captured host (03, 04, 14, 21)", () => {
  const sources = {
    host,
    list: parseXlList(fixture(DIR, "03-xl-list.txt")),
    configs: parseXlListLong(fixture(DIR, "04-xl-list-l.txt")),
    backendVifs: extractBackendVifs(parseXenstoreLs(fixture(DIR, "21-xenstore-ls-f-backend-vif.txt"))),
    links: parseIpLinkJson(fixture(LINUX_DIR, "14-ip-j-s-d-link.txt")),
    defaultScript: "vif-bridge",
  };

  it("lists each vif with the guest's MAC, its real bridge and both states", () => {
    const inventory = ZInventorySchema.parse(buildInventory(sources));
    expect(inventory.vifs).toEqual([
      {
        kernelName: "web1",
        ifindex: 6,
        domid: 1,
        domain: "web1",
        devid: 0,
        vifname: "web1",
        kind: "vif",
        mac: "00:16:3e:00:00:01",
        ips: [],
        bridge: "xenbr0",
        script: "vif-bridge",
        rate: null,
        backendState: 4,
        operState: "up",
        mtu: 1500,
      },
      expect.objectContaining({ kernelName: "vif2.0", ifindex: 7, domain: "db1", devid: 0, mac: "00:16:3e:00:00:11", bridge: "xenbr0" }),
      expect.objectContaining({ kernelName: "vif2.1", ifindex: 8, domain: "db1", devid: 1, mac: "00:16:3e:00:00:12", bridge: "xenbr1" }),
    ]);
    expect(inventory.domains.map((d) => [d.name, d.domid, d.state, d.type])).toEqual([
      ["Domain-0", 0, "running", "pv"],
      ["web1", 1, "blocked", "pv"],
      ["db1", 2, "blocked", "pv"],
    ]);
    expect(inventory.bridges.map((b) => b.name)).toEqual(["xenbr0", "xenbr1"]);
    expect(inventory.nics.map((n) => n.name)).toEqual(["eth0"]);
    expect(inventory.host.driver).toBe("xl");
  });

  it("finds a vif whose rename failed under its default name, down and on no bridge (101–102)", () => {
    const links = sources.links.map((l) => (l.name === "vif2.1" ? { ...l, master: null, portState: null, operState: "down" as const, parentDev: null, parentBus: null } : l));
    const backendVifs = sources.backendVifs.map((v) => (v.domid === 2 && v.devid === 1 ? { ...v, vifname: "averyverylongvifname" } : v));
    const vif = buildInventory({ ...sources, links, backendVifs }).vifs.find((v) => v.devid === 1 && v.domid === 2);
    expect(vif).toMatchObject({ kernelName: "vif2.1", vifname: "averyverylongvifname", bridge: null, operState: "down", backendState: 4 });
  });

  it("adds an HVM guest's emulated twin under the same domain and devid", () => {
    const tap = { ...sources.links[0], name: "web1-emu", ifindex: 40, kind: "tun", master: "xenbr0", portState: "forwarding" as const, parentBus: null, parentDev: null, bridge: null };
    const inventory = buildInventory({ ...sources, links: [...sources.links, tap as (typeof sources.links)[number]] });
    expect(inventory.vifs.filter((v) => v.domid === 1).map((v) => [v.kernelName, v.kind, v.devid, v.mac, v.backendState])).toEqual([
      ["web1", "vif", 0, "00:16:3e:00:00:01", 4],
      ["web1-emu", "emu", 0, "00:16:3e:00:00:01", null],
    ]);
    const port = inventory.bridges.find((b) => b.name === "xenbr0")?.ports.find((p) => p.name === "web1-emu");
    expect(port?.kind).toBe("emu");
  });

  it("falls back to xl list -l when xenstore cannot be read", () => {
    const inventory = buildInventory({ ...sources, backendVifs: null });
    expect(inventory.vifs.map((v) => [v.kernelName, v.mac, v.backendState])).toEqual([
      ["web1", "00:16:3e:00:00:01", null],
      ["vif2.0", "00:16:3e:00:00:11", null],
      ["vif2.1", "00:16:3e:00:00:12", null],
    ]);
  });
});

describe("XlDriver with a stand-in xl", () => {
  const tmp = mkdtempSync(join(tmpdir(), "vifdeck-xl-"));
  const tool = (name: string, role: string) => {
    const path = join(tmp, name);
    const url = pathToFileURL(join(DIR, "fake-xl.mjs")).href;
    writeFileSync(path, `#!${process.execPath}\nprocess.env.FAKE_XEN_TOOL = ${JSON.stringify(role)};\nimport(${JSON.stringify(url)});\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const xlPath = tool("xl", "xl");
  const xenstoreLsPath = tool("xenstore-ls", "xenstore-ls");
  const xlConfPath = join(tmp, "xl.conf");
  writeFileSync(xlConfPath, fixture(DIR, "79-etc-xen-xl.conf.txt"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reports a missing xl clearly", async () => {
    const driver = new XlDriver({ xlPath: join(tmp, "no-such-xl"), xenstoreLsPath, xlConfPath });
    const error = await driver.readInventory().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HostError);
    expect((error as HostError).code).toBe("COMMAND_MISSING");
    expect((error as HostError).message).toBe(`no-such-xl not found at ${join(tmp, "no-such-xl")}: install xen-utils or set VIFDECK_XL_PATH`);
  });

  it("times out a hanging xl", async () => {
    const hanging = join(tmp, "xl-hangs");
    writeFileSync(hanging, `#!${process.execPath}\nsetInterval(() => {}, 1000);\n`);
    chmodSync(hanging, 0o755);
    const driver = new XlDriver({ xlPath: hanging, xenstoreLsPath, xlConfPath, commandTimeoutMs: 1_000 });
    await expect(driver.readInventory()).rejects.toMatchObject({ code: "COMMAND_TIMEOUT" });
  });

  describe("attachVif and detachVif answer as the captured host did", () => {
    const driver = new XlDriver({ xlPath, xenstoreLsPath, xlConfPath });
    const failure = async (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error("expected a HostError");
        },
        (error: unknown) => {
          if (!(error instanceof HostError)) throw error;
          return error;
        },
      );

    it("runs xl network-attach with the tokens as given and reports the command (24, 25)", async () => {
      const outcome = await driver.attachVif({ domain: "db1", tokens: ["mac=00:16:3e:00:00:02", "bridge=xenbr0"] });
      expect(outcome).toMatchObject({ command: [xlPath, "network-attach", "db1", "mac=00:16:3e:00:00:02", "bridge=xenbr0"], exitCode: 0, stdout: "", stderr: "" });
      expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
      await expect(driver.attachVif({ domain: "db1", tokens: ["mac=00:16:3e:00:00:03", "bridge=xenbr0", "vifname=db1-extra"] })).resolves.toMatchObject({ exitCode: 0 });
    });

    it.each([
      [["mac=00:16:3e:00:00:98", "bridge=nosuchbr0"], "37-err-unknown-bridge.txt", "COMMAND_FAILED", /^The vif hotplug script failed: Could not find bridge device nosuchbr0\./],
      [["mac=00:16:3e:00:00:95", "bridge=xenbr0", "vifname=web1"], "41-err-duplicate-vifname.txt", "COMMAND_FAILED", /An interface with name web1 already exists/],
      [["mac=00:16:3e:00:00:94", "bridge=xenbr0", "vifname=averyverylongvifname"], "42-err-vifname-too-long.txt", "COMMAND_FAILED", /already in xenstore/],
      [["mac=00:16:3e:00:00:93", "bridge=xenbr0", "bogus=1"], "43-err-bad-option.txt", "COMMAND_FAILED", /"bogus=1"/],
      [["mac=00:16:3e:00:00:92", "bridge=xenbr0", "rate=fast"], "44-err-bad-rate.txt", "COMMAND_FAILED", /invalid rate in `fast'/],
      [["mac=00:16:3e:zz:00:99", "bridge=xenbr0"], "35-err-bad-mac.txt", "COMMAND_FAILED", /mac=/],
    ])("network-attach db1 %j fails as in %s", async (tokens, file, code, message) => {
      const error = await failure(driver.attachVif({ domain: "db1", tokens }));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.details).toEqual({ command: [xlPath, "network-attach", "db1", ...tokens], exitCode: 1, stderr: fixture(DIR, file) });
    });

    it("tells an unknown domain by name or domid as NOT_FOUND (39, 40)", async () => {
      const byName = await failure(driver.attachVif({ domain: "nosuchdom", tokens: ["mac=00:16:3e:00:00:97", "bridge=xenbr0"] }));
      expect(byName).toMatchObject({ code: "NOT_FOUND", message: 'No domain "nosuchdom" is running (xl knows no domain by that name or domid).' });
      const byDomid = await failure(driver.attachVif({ domain: "4242", tokens: ["mac=00:16:3e:00:00:96", "bridge=xenbr0"] }));
      expect(byDomid).toMatchObject({ code: "NOT_FOUND", message: "No domain with domid 4242 exists." });
    });

    it("runs xl network-detach <domain> <devid> (54) and reports an unknown devid or domain as NOT_FOUND (51, 53)", async () => {
      await expect(driver.detachVif({ domain: "web1", devid: 1 })).resolves.toMatchObject({ command: [xlPath, "network-detach", "web1", "1"], exitCode: 0 });
      const unknown = await failure(driver.detachVif({ domain: "web1", devid: 42 }));
      expect(unknown).toMatchObject({ code: "NOT_FOUND", message: "The domain has no vif 42 (no such devid or MAC)." });
      expect(unknown.details.stderr).toBe(fixture(DIR, "51-err-detach-nonexistent-devid.txt"));
      await expect(driver.detachVif({ domain: "nosuchdom", devid: 0 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("refuses, without running xl, a domain or token xl would take for an option", async () => {
      await expect(driver.attachVif({ domain: "-N", tokens: ["bridge=xenbr0"] })).rejects.toMatchObject({ code: "INVALID_INPUT" });
      await expect(driver.attachVif({ domain: "db1", tokens: ["-v"] })).rejects.toMatchObject({ code: "INVALID_INPUT" });
      await expect(driver.detachVif({ domain: "db1", devid: -1 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    });

    it("times out a hanging network-attach", async () => {
      const hanging = join(tmp, "xl-hangs-attach");
      writeFileSync(hanging, `#!${process.execPath}\nsetInterval(() => {}, 1000);\n`);
      chmodSync(hanging, 0o755);
      const slow = new XlDriver({ xlPath: hanging, xenstoreLsPath, xlConfPath, commandTimeoutMs: 500 });
      await expect(slow.attachVif({ domain: "db1", tokens: ["bridge=xenbr0"] })).rejects.toMatchObject({ code: "COMMAND_TIMEOUT" });
    });
  });

  const skipReason = netnsUnavailableReason();
  if (skipReason) console.warn(`skipping the XlDriver namespace test: ${skipReason}`);

  describe.skipIf(skipReason !== null)("end to end, with the captured host's interfaces in a network namespace", () => {
    let ns: TestNetns;
    beforeAll(async () => {
      ns = await createTestNetns();
      // The fixture host: xenbr0 (eth0, web1, vif2.0) and xenbr1 (dummy0, vif2.1); veths stand in for all.
      ns.ipBatch([
        "link add xenbr0 type bridge forward_delay 0",
        "link add xenbr1 type bridge forward_delay 0",
        "link add vif1.0 type veth peer name g1e0",
        "link set vif1.0 name web1",
        "link add vif2.0 type veth peer name g2e0",
        "link add vif2.1 type veth peer name g2e1",
        "link add dummy0 type veth peer name dummy0p",
        "link set web1 master xenbr0",
        "link set vif2.0 master xenbr0",
        "link set vif2.1 master xenbr1",
        "link set dummy0 master xenbr1",
        "addr add 10.0.2.15/24 dev xenbr0",
        "addr add 192.168.100.1/24 dev xenbr1",
        ...["xenbr0", "xenbr1", "web1", "g1e0", "vif2.0", "g2e0", "vif2.1", "g2e1", "dummy0", "dummy0p"].map((n) => `link set ${n} up`),
      ]);
    });
    afterAll(() => ns?.destroy());

    it("reads the inventory and the counters", async () => {
      const driver = new XlDriver({
        xlPath,
        xenstoreLsPath,
        xlConfPath,
        xendConfigPath: join(tmp, "no-xend-config.sxp"),
        linux: { sysClassNet: ns.sysClassNet, procNetDev: ns.procNetDev, netns: ns.name },
      });
      const inventory = ZInventorySchema.parse(await driver.readInventory());
      expect(inventory.host).toEqual({ ...host, driver: "xl" });
      expect(inventory.vifs.map((v) => [v.kernelName, v.domain, v.devid, v.vifname, v.mac, v.bridge, v.backendState, v.operState])).toEqual([
        ["web1", "web1", 0, "web1", "00:16:3e:00:00:01", "xenbr0", 4, "up"],
        ["vif2.0", "db1", 0, null, "00:16:3e:00:00:11", "xenbr0", 4, "up"],
        ["vif2.1", "db1", 1, null, "00:16:3e:00:00:12", "xenbr1", 4, "up"],
      ]);
      const ifindex = (name: string) => Number(ns.exec(["cat", `/sys/class/net/${name}/ifindex`]).trim());
      for (const vif of inventory.vifs) expect(vif.ifindex).toBe(ifindex(vif.kernelName));
      const xenbr0 = inventory.bridges.find((b) => b.name === "xenbr0");
      expect(xenbr0?.addresses).toEqual(["10.0.2.15/24"]);
      expect(Object.fromEntries((xenbr0?.ports ?? []).map((p) => [p.name, p.kind]))).toEqual({ web1: "vif", "vif2.0": "vif" });
      expect(inventory.bridges.find((b) => b.name === "xenbr1")?.ports.map((p) => `${p.name}:${p.kind}`).sort()).toEqual(["dummy0:other", "vif2.1:vif"]);

      const counters = ZCountersSchema.parse(await driver.readCounters());
      const web1 = counters.interfaces.find((i) => i.name === "web1");
      expect(web1?.ifindex).toBe(ifindex("web1"));
      await driver.close();
    });
  });
});
