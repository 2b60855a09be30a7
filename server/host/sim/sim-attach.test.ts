import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { readFixture } from "~/server/host/linux/testdata/read-fixture";

import { createScenario } from "./scenario";
import { SimHost } from "./sim-host";

/**
 * xl network-attach / network-detach on the simulated host against what the
 * real Xen 4.17 host printed (server/host/xl/testdata, copied from
 * shared/fixtures/xl). web1 and db1 boot first, so they have the captures'
 * domids 1 and 2; db1 has devids 0 and 1 as in the captures.
 */
const XL_DIR = join(import.meta.dirname, "../xl/testdata");
const capture = (file: string) => readFixture(XL_DIR, file);
/** The hotplug script's pid, and the devid libxl chose on that host's history, differ from run to run. */
const normalize = (text: string) =>
  text
    .replace(/\[\d+\] exited/g, "[PID] exited")
    .replace(/with id \d+/g, "with id ID")
    .replace(/interface vif(\d+)\.\d+\./g, "interface vif$1.ID.")
    .replace(/set vif(\d+)\.\d+ name/g, "set vif$1.ID name");

function createHost() {
  let now = 1_700_000_000_000;
  const host = new SimHost({ scenario: createScenario({ seed: 1, domains: 6, mode: "bridge" }), seed: 1, randomEvents: false, now: () => now });
  return { host, tick: (ms: number) => (now += ms) };
}

const vifsOf = (host: SimHost, domain: string) => host.readInventory().vifs.filter((v) => v.domain === domain);

describe("network-attach refused by xl itself: exit 1, verbatim text, nothing changes", () => {
  it.each([
    ["35-err-bad-mac.txt", "db1", ["mac=00:16:3e:zz:00:99", "bridge=xenbr0"]],
    ["39-err-nonexistent-domain.txt", "nosuchdom", ["mac=00:16:3e:00:00:97", "bridge=xenbr0"]],
    ["40-err-nonexistent-domid.txt", "4242", ["mac=00:16:3e:00:00:96", "bridge=xenbr0"]],
    ["43-err-bad-option.txt", "db1", ["mac=00:16:3e:00:00:93", "bridge=xenbr0", "bogus=1"]],
    ["44-err-bad-rate.txt", "db1", ["mac=00:16:3e:00:00:92", "bridge=xenbr0", "rate=fast"]],
  ])("%s", (file, domain, tokens) => {
    const { host } = createHost();
    const before = host.readInventory().vifs.length;
    const expected = capture(file);
    const outcome = host.attachVif(domain, tokens);
    expect(["xl", ...outcome.command.slice(1)].join(" ")).toBe(expected.command);
    expect(outcome).toMatchObject({ exitCode: expected.exitCode, stdout: "", stderr: expected.output });
    expect(host.readInventory().vifs).toHaveLength(before);
  });
});

describe("network-attach that libxl or the hotplug script fails", () => {
  it("unknown bridge: the vif is left behind, DOWN on no bridge, state 4 (37, 38)", () => {
    const { host } = createHost();
    const outcome = host.attachVif("db1", ["mac=00:16:3e:00:00:98", "bridge=nosuchbr0"]);
    expect(outcome.exitCode).toBe(1);
    expect(normalize(outcome.stderr)).toBe(normalize(capture("37-err-unknown-bridge.txt").output));
    expect(outcome.stderr).toContain("Domain 2:Unable to add vif with id 2\n");
    const leftover = vifsOf(host, "db1").find((v) => v.devid === 2);
    expect(leftover).toMatchObject({ kernelName: "vif2.2", mac: "00:16:3e:00:00:98", bridge: null, operState: "down", backendState: 4 });
    expect(host.readInventory().bridges.flatMap((b) => b.ports.map((p) => p.name))).not.toContain("vif2.2");
    // The next attach goes on after the leftover.
    expect(host.attachVif("db1", ["mac=00:16:3e:00:00:97", "bridge=xenbr0"]).exitCode).toBe(0);
    expect(vifsOf(host, "db1").map((v) => [v.devid, v.operState, v.bridge])).toEqual([
      [0, "up", "xenbr0"],
      [1, "up", "xenbr1"],
      [2, "down", null],
      [3, "up", "xenbr0"],
    ]);
  });

  it("vifname already in use: the rename fails, the vif stays as vifN.M (41, 107)", () => {
    const { host } = createHost();
    const outcome = host.attachVif("db1", ["mac=00:16:3e:00:00:95", "bridge=xenbr0", "vifname=web1"]);
    expect(outcome.exitCode).toBe(1);
    expect(normalize(outcome.stderr)).toBe(normalize(capture("41-err-duplicate-vifname.txt").output));
    expect(normalize(outcome.stderr)).toBe(normalize(capture("107-leftover-1-failed-attach.txt").output.replace("Domain 7", "Domain 2").replace("vif7.", "vif2.")));
    expect(vifsOf(host, "db1").find((v) => v.devid === 2)).toMatchObject({ kernelName: "vif2.2", vifname: "web1", bridge: null, operState: "down" });
    expect(vifsOf(host, "web1")[0]).toMatchObject({ kernelName: "web1", bridge: "xenbr0", operState: "up" });
  });

  it("vifname over 15 characters: `ip link set … name … failed`, the vif left DOWN (101, 102)", () => {
    const { host } = createHost();
    const outcome = host.attachVif("db1", ["mac=00:16:3e:00:00:94", "bridge=xenbr0", "vifname=averyverylongvifname"]);
    expect(outcome.exitCode).toBe(1);
    expect(normalize(outcome.stderr)).toBe(normalize(capture("101-clean-err-vifname-too-long.txt").output.replace("Domain 7", "Domain 2").replace("vif7.", "vif2.")));
    expect(outcome.stderr).toContain("script: ip link set vif2.2 name averyverylongvifname failed\n");
    expect(vifsOf(host, "db1").find((v) => v.devid === 2)).toMatchObject({ kernelName: "vif2.2", vifname: "averyverylongvifname", operState: "down", bridge: null });
  });

  it("accepts what xl accepts: a 5-octet MAC padded from the next argument, a duplicate and a multicast MAC (36, 103–106)", () => {
    const { host } = createHost();
    expect(host.attachVif("db1", ["mac=00:16:3e:00:99", "bridge=xenbr0"])).toMatchObject({ exitCode: 0, stderr: "" });
    const dbMac = vifsOf(host, "db1")[0]?.mac ?? "";
    expect(host.attachVif("db1", [`mac=${dbMac}`, "bridge=xenbr0"]).exitCode).toBe(0);
    expect(host.attachVif("db1", ["mac=01:00:5e:00:00:01", "bridge=xenbr0"]).exitCode).toBe(0);
    expect(vifsOf(host, "db1").map((v) => v.mac).slice(2)).toEqual(["00:16:3e:00:99:0b", dbMac, "01:00:5e:00:00:01"]);
    expect(vifsOf(host, "db1").every((v) => v.operState === "up")).toBe(true);
  });

  it("attaches with a vifname, an ip, a rate, and a MAC of its own when none is given (24–27, 33)", () => {
    const { host } = createHost();
    expect(host.attachVif("db1", ["mac=00:16:3e:00:00:03", "bridge=xenbr0", "vifname=db1-extra"])).toEqual({
      command: ["xl", "network-attach", "db1", "mac=00:16:3e:00:00:03", "bridge=xenbr0", "vifname=db1-extra"],
      exitCode: 0,
      stdout: "",
      stderr: "",
      durationMs: 0,
    });
    host.attachVif("db1", ["mac=00:16:3e:00:00:04", "bridge=xenbr0", "ip=10.0.2.44"]);
    host.attachVif("db1", ["mac=00:16:3e:00:00:05", "bridge=xenbr1", "rate=10Mb/s"]);
    host.attachVif("db1", []);
    const [extra, withIp, limited, plain] = vifsOf(host, "db1").slice(2);
    expect(extra).toMatchObject({ devid: 2, kernelName: "db1-extra", vifname: "db1-extra", bridge: "xenbr0", operState: "up" });
    expect(withIp).toMatchObject({ devid: 3, kernelName: "vif2.3", ips: ["10.0.2.44"] });
    expect(limited).toMatchObject({ devid: 4, bridge: "xenbr1", rate: { bytesPerInterval: 62_500, intervalUsecs: 50_000 } });
    expect(plain).toMatchObject({ devid: 5, bridge: "xenbr0", script: "vif-bridge" });
    expect(plain?.mac).toMatch(/^00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2}$/);
  });

  it("prints xl's non-fatal warnings and goes on", () => {
    const { host } = createHost();
    const outcome = host.attachVif("db1", ["bridge=xenbr0", "accel=x"]);
    expect(outcome).toMatchObject({ exitCode: 0, stderr: "the accel parameter for vifs is currently not supported\n" });
  });
});

describe("libxl's devid: the last of the string-sorted devids plus one (130–133)", () => {
  it("fails every attach once devid 10 exists, until it is detached", () => {
    const { host } = createHost();
    for (let i = 1; i <= 10; i++) expect(host.attachVif("web1", [`mac=00:16:3e:00:03:${i.toString(16).padStart(2, "0")}`, "bridge=xenbr1"]).exitCode).toBe(0);
    expect(vifsOf(host, "web1").map((v) => v.devid)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const refused = host.attachVif("web1", ["mac=00:16:3e:00:03:0b", "bridge=xenbr1"]);
    expect(refused).toMatchObject({ exitCode: 1, stderr: capture("131-many-vifs-2-attach-12th.txt").output.replace("Domain 10:", "Domain 1:") });
    expect(vifsOf(host, "web1")).toHaveLength(11);
    expect(host.detachVif("web1", 10).exitCode).toBe(0);
    expect(host.attachVif("web1", ["mac=00:16:3e:00:03:0b", "bridge=xenbr1"]).exitCode).toBe(0);
    expect(vifsOf(host, "web1").at(-1)).toMatchObject({ devid: 10, mac: "00:16:3e:00:03:0b" });
  });

  it("does not reuse a gap below the last devid, and refuses an explicit devid that exists", () => {
    const { host } = createHost();
    host.attachVif("db1", ["bridge=xenbr0"]);
    host.attachVif("db1", ["bridge=xenbr0"]);
    host.detachVif("db1", 2);
    host.attachVif("db1", ["bridge=xenbr0"]);
    expect(vifsOf(host, "db1").map((v) => v.devid)).toEqual([0, 1, 3, 4]);
    expect(host.attachVif("db1", ["devid=1"]).stderr).toContain("Domain 2:device already exists in xenstore");
    expect(host.attachVif("db1", ["devid=2"]).exitCode).toBe(0);
  });
});

describe("network-detach", () => {
  it.each([
    ["51-err-detach-nonexistent-devid.txt", "web1", "42"],
    ["52-err-detach-unknown-mac.txt", "web1", "00:16:3e:99:99:99"],
    ["53-err-detach-nonexistent-domain.txt", "nosuchdom", "0"],
  ])("fails as in %s", (file, domain, device) => {
    const { host } = createHost();
    const expected = capture(file);
    const outcome = host.detachVif(domain, device);
    expect(["xl", ...outcome.command.slice(1)].join(" ")).toBe(expected.command);
    expect(outcome).toMatchObject({ exitCode: 1, stderr: expected.output });
  });

  it("detaches by devid, by MAC, with atoi()'s reading of a word, and a failed attach's leftover (54–57, 109–111)", () => {
    const { host } = createHost();
    host.attachVif("db1", ["mac=00:16:3e:00:00:95", "bridge=xenbr0", "vifname=web1"]); // leftover devid 2
    host.attachVif("db1", ["mac=00:16:3e:00:00:96", "bridge=xenbr0"]); // devid 3
    expect(host.detachVif("db1", 3)).toMatchObject({ command: ["xl", "network-detach", "db1", "3"], exitCode: 0 });
    expect(host.attachVif("db1", ["mac=00:16:3e:00:00:96", "bridge=xenbr0"]).exitCode).toBe(0);
    expect(vifsOf(host, "db1").map((v) => v.devid)).toEqual([0, 1, 2, 3]);
    expect(host.detachVif("db1", "00:16:3e:00:00:96").exitCode).toBe(0);
    expect(host.detachVif("db1", 2).exitCode).toBe(0);
    expect(host.detachVif("db1", "eth0").exitCode).toBe(0); // atoi("eth0") = 0
    expect(vifsOf(host, "db1").map((v) => v.devid)).toEqual([1]);
  });
});

describe("a failed attach stays in libxl's stored config (65–67, 140)", () => {
  it("makes the next xl reboot fail its hotplug again and destroy the domain", () => {
    const { host } = createHost();
    host.attachVif("db1", ["mac=00:16:3e:00:00:98", "bridge=nosuchbr0"]);
    const domid = host.findDomid("db1");
    expect(host.reboot("db1")).toBeNull();
    expect(host.isRunning("db1")).toBe(false);
    expect(host.readInventory().domains.some((d) => d.name === "db1")).toBe(false);
    expect(host.readInventory().vifs.some((v) => v.domain === "db1")).toBe(false);
    const destroyed = host.events.at(-1);
    expect(destroyed).toMatchObject({ kind: "destroy", domain: "db1", domid });
    expect(destroyed?.detail).toMatch(/script: Could not find bridge device nosuchbr0\n.*domcreate_attach_devices: Domain \d+:unable to add vif devices/s);
    // xl create reads the config file (here: the scenario) again, without the failed vif.
    host.boot("db1");
    expect(vifsOf(host, "db1").map((v) => v.devid)).toEqual([0, 1]);
  });

  it("keeps a successful hot-attach across xl reboot, under the new domid", () => {
    const { host } = createHost();
    host.attachVif("db1", ["mac=00:16:3e:00:00:02", "bridge=xenbr0"]);
    const domid = host.reboot("db1");
    expect(vifsOf(host, "db1").map((v) => [v.kernelName, v.mac])).toEqual([
      [`vif${domid}.0`, expect.any(String)],
      [`vif${domid}.1`, expect.any(String)],
      [`vif${domid}.2`, "00:16:3e:00:00:02"],
    ]);
  });
});
