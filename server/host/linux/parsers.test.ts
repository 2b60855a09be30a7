import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { HostError } from "~/server/host/driver";
import { ZBridgeSchema, ZInterfaceCountersSchema, ZNicSchema } from "~/server/host/inventory";
import { normalizeBridgeId, parseBridgeLinkJson, parseIpLinkJson, toOperState } from "~/server/host/linux/ip-link";
import { buildNetworkView, classifyPort } from "~/server/host/linux/network-reader";
import { parseProcNetDev, parseProcNetDevColumns } from "~/server/host/linux/proc-net-dev";
import { parseBrportState, parseDefaultVifName, parseXenBackendDevice, readSysfsLinks } from "~/server/host/linux/sysfs";
import { readFixture } from "~/server/host/linux/testdata/read-fixture";

const DIR = join(import.meta.dirname, "testdata");
const fixture = (file: string) => readFixture(DIR, file).output;

describe("parseProcNetDev (16-proc-net-dev.txt)", () => {
  const rows = parseProcNetDev(fixture("16-proc-net-dev.txt"));

  it("reads every interface with its counters", () => {
    expect(rows.map((r) => r.name)).toEqual(["lo", "eth0", "xenbr0", "dummy0", "xenbr1", "web1", "vif2.0", "vif2.1"]);
    expect(rows.find((r) => r.name === "web1")).toEqual({
      name: "web1",
      rxBytes: 504n,
      rxPackets: 7n,
      rxErrors: 0n,
      rxDrops: 0n,
      txBytes: 1798n,
      txPackets: 21n,
      txErrors: 0n,
      txDrops: 0n,
    });
    // tx drop is the 12th counter: vif2.1 dropped one packet towards the guest.
    expect(rows.find((r) => r.name === "vif2.1")).toMatchObject({ rxBytes: 656n, txBytes: 776n, txPackets: 10n, txDrops: 1n });
    for (const row of rows) expect(ZInterfaceCountersSchema.safeParse({ ...row, ifindex: 1 }).success).toBe(true);
  });

  it("reads the after-reboot capture with long names (64)", () => {
    const after = parseProcNetDev(fixture("64-counters-proc-net-dev-after-reboot.txt"));
    expect(after.find((r) => r.name === "db1-vvv")).toMatchObject({ rxBytes: 916n, txBytes: 1356n });
    expect(after.find((r) => r.name === "vif2.10")).toMatchObject({ rxBytes: 0n });
    expect(after).toHaveLength(15);
  });

  it("handles counters wider than their column and 64-bit values", () => {
    const text = [
      "Inter-|   Receive                                                |  Transmit",
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
      "eth0:18446744073709551615 1 0 0 0 0 0 0 4294967296 2 0 0 0 0 0 0",
      "",
    ].join("\n");
    expect(parseProcNetDev(text)).toEqual([
      expect.objectContaining({ name: "eth0", rxBytes: 18446744073709551615n, txBytes: 4294967296n, txPackets: 2n }),
    ]);
  });

  it("gives columns in COUNTER_NAMES order: safe integers as numbers, wider values as their decimal digits", () => {
    const text = [
      "Inter-|   Receive                                                |  Transmit",
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
      // rx: bytes = 2^53 - 1 (16 digits, still safe), packets = 2^53 (not), errs, drop; tx: bytes with leading zeros, 2^64 - 1, …
      "eth0:9007199254740991 9007199254740992 3 4 5 6 7 8 0000000000000000042 18446744073709551615 11 12 13 14 15 16",
      "  lo: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0",
      "",
    ].join("\n");
    const { names, values } = parseProcNetDevColumns(Buffer.from(text, "latin1"));
    expect(names).toEqual(["eth0", "lo"]);
    // rxBytes, txBytes, rxPackets, txPackets, rxErrors, txErrors, rxDrops, txDrops
    expect(values).toEqual([9007199254740991, 42, "9007199254740992", "18446744073709551615", 3, 11, 4, 12, 1, 3, 2, 4, 0, 0, 0, 0]);
    // The rows are the same values as bigints.
    expect(parseProcNetDev(text)[0]).toMatchObject({ rxPackets: 9007199254740992n, txPackets: 18446744073709551615n, txBytes: 42n });
  });

  it("refuses what is not /proc/net/dev", () => {
    expect(() => parseProcNetDev("hello\n")).toThrow(HostError);
    const bad = "Inter-|\n face |\n  eth0: 1 2 3\n";
    expect(() => parseProcNetDev(bad)).toThrow(/expected a name and 16 counters/);
    const letters = "Inter-|\n face |\n  eth0: 1 2 3x 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
    expect(() => parseProcNetDev(letters)).toThrow(/line 3: "3x" is not a counter/);
  });
});

describe("parseIpLinkJson (14-ip-j-s-d-link.txt)", () => {
  const links = parseIpLinkJson(fixture("14-ip-j-s-d-link.txt"));
  const byName = new Map(links.map((l) => [l.name, l]));

  it("reads a renamed vif's backend device, bridge and port state", () => {
    expect(byName.get("web1")).toEqual({
      name: "web1",
      ifindex: 6,
      mtu: 1500,
      operState: "up",
      flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
      mac: "fe:ff:ff:ff:ff:ff",
      master: "xenbr0",
      kind: null,
      portState: "forwarding",
      bridge: null,
      parentBus: "xen-backend",
      parentDev: "vif-1-0",
      addresses: [],
    });
  });

  it("reads bridges with a brctl-style bridge id", () => {
    expect(byName.get("xenbr0")?.bridge).toEqual({ stp: false, bridgeId: "8000.620e025d9c95" });
    expect(byName.get("xenbr1")?.bridge).toEqual({ stp: false, bridgeId: "8000.ca5630429096" });
  });

  it("resolves UNKNOWN operstates by the flags", () => {
    expect(byName.get("lo")?.operState).toBe("up");
    expect(byName.get("dummy0")?.operState).toBe("up");
    expect(toOperState("UNKNOWN", ["BROADCAST"])).toBe("down");
    expect(toOperState("LOWERLAYERDOWN", ["UP"])).toBe("down");
    expect(toOperState("UNKNOWN", ["UP"])).toBe("unknown");
  });

  it("builds the bridges and NICs of the fixture host", () => {
    const view = buildNetworkView(links);
    expect(view.bridges.map((b) => [b.name, b.ports.map((p) => `${p.name}:${p.kind}:${p.stpState}`)])).toEqual([
      ["xenbr0", ["eth0:physical:forwarding", "web1:vif:forwarding", "vif2.0:vif:forwarding"]],
      ["xenbr1", ["dummy0:other:forwarding", "vif2.1:vif:forwarding"]],
    ]);
    expect(view.nics).toEqual([
      { name: "eth0", ifindex: 2, mac: "52:54:00:12:34:56", mtu: 1500, operState: "up", master: "xenbr0", addresses: [] },
    ]);
    for (const bridge of view.bridges) expect(ZBridgeSchema.parse(bridge)).toEqual(bridge);
    for (const nic of view.nics) expect(ZNicSchema.parse(nic)).toEqual(nic);
  });

  it("agrees with bridge -j link (12-bridge-j-link.txt)", () => {
    const ports = parseBridgeLinkJson(fixture("12-bridge-j-link.txt"));
    expect(ports.map((p) => [p.name, p.ifindex, p.master, p.state])).toEqual(
      links.filter((l) => l.portState !== null).map((l) => [l.name, l.ifindex, l.master, l.portState]),
    );
  });

  it("reads addresses from ip -j addr, leaving out IPv6 link-local", () => {
    const text = JSON.stringify([
      {
        ifindex: 3,
        ifname: "xenbr0",
        flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
        mtu: 1500,
        operstate: "UP",
        linkinfo: { info_kind: "bridge", info_data: { stp_state: 1, bridge_id: "8000.2:0:0:0:0:1" } },
        addr_info: [
          { family: "inet", local: "10.0.2.15", prefixlen: 24, scope: "global" },
          { family: "inet6", local: "2001:db8::1", prefixlen: 64, scope: "global" },
          { family: "inet6", local: "fe80::1", prefixlen: 64, scope: "link" },
        ],
      },
    ]);
    const [bridge] = parseIpLinkJson(text);
    expect(bridge?.addresses).toEqual(["10.0.2.15/24", "2001:db8::1/64"]);
    expect(bridge?.bridge).toEqual({ stp: true, bridgeId: "8000.020000000001" });
  });

  it("refuses output that is not the expected JSON", () => {
    expect(() => parseIpLinkJson("not json")).toThrow(/not JSON/);
    expect(() => parseIpLinkJson('[{"ifname":"x"}]')).toThrow(HostError);
  });
});

describe("small parsers", () => {
  it("normalizes bridge ids", () => {
    expect(normalizeBridgeId("8000.62:e:2:5d:9c:95")).toBe("8000.620e025d9c95");
    expect(normalizeBridgeId("8000.620E025D9C95")).toBe("8000.620e025d9c95");
  });

  it("reads brport state numbers", () => {
    expect(["0", "1", "2", "3", "4\n"].map(parseBrportState)).toEqual(["disabled", "listening", "learning", "forwarding", "blocking"]);
    expect(() => parseBrportState("7")).toThrow(HostError);
  });

  it("finds the Xen backend device in parentdev names and sysfs link targets (18, 19)", () => {
    expect(parseXenBackendDevice("vif-1-0")).toEqual({ domid: 1, devid: 0 });
    expect(parseXenBackendDevice("../../../vif-1-0")).toEqual({ domid: 1, devid: 0 });
    expect(parseXenBackendDevice("../../devices/vif-2-1/net/vif2.1")).toEqual({ domid: 2, devid: 1 });
    expect(parseXenBackendDevice("../../devices/virtual/net/xenbr0")).toBeNull();
    expect(parseXenBackendDevice("../../devices/pci0000:00/0000:00:02.0/virtio0/net/eth0")).toBeNull();
  });

  it("reads default vif names and their emulated twins", () => {
    expect(parseDefaultVifName("vif12.3")).toEqual({ domid: 12, devid: 3, emu: false });
    expect(parseDefaultVifName("vif5.0-emu")).toEqual({ domid: 5, devid: 0, emu: true });
    expect(parseDefaultVifName("web1")).toBeNull();
  });

  it("classifies ports: dom0's vif0.x, an -emu tap, a renamed vif named by the caller", () => {
    const base = parseIpLinkJson(fixture("14-ip-j-s-d-link.txt")).find((l) => l.name === "dummy0");
    if (!base) throw new Error("fixture");
    const plain = { ...base, kind: null, parentBus: null, parentDev: null };
    expect(classifyPort({ ...plain, name: "vif0.0" })).toBe("dom0");
    expect(classifyPort({ ...plain, name: "vif3.0-emu", kind: "tun" })).toBe("emu");
    expect(classifyPort({ ...plain, name: "web1-emu", kind: "tun" }, new Set(["web1"]))).toBe("emu");
    expect(classifyPort({ ...plain, name: "web1" }, new Set(["web1"]))).toBe("vif");
    expect(classifyPort({ ...plain, name: "peth0" })).toBe("physical");
    expect(classifyPort({ ...plain, name: "tap0", kind: "tun" })).toBe("other");
  });
});

describe("readSysfsLinks on a sysfs tree rebuilt from the captures (17, 18, 19)", () => {
  const root = mkdtempSync(join(tmpdir(), "vifdeck-sysfs-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // 18: `ls -l /sys/class/net/` — the class links and where they point.
  const classLinks = new Map(
    fixture("18-ls-sys-class-net.txt")
      .split("\n")
      .flatMap((line) => {
        const m = / (\S+) -> (\S+)$/.exec(line);
        return m?.[1] && m[2] ? [[m[1], m[2]] as const] : [];
      }),
  );
  // 17: `ls /sys/class/net/*/brport` — which interfaces are bridge ports.
  const ports = [...fixture("17-ls-sys-class-net-brport.txt").matchAll(/\/sys\/class\/net\/(\S+)\/brport:/g)].map((m) => m[1]);
  // 19: attributes of web1 (ifindex, master, device); 14 gives the others' ifindex/mtu/master/state.
  const web1 = Object.fromEntries(
    [...fixture("19-sys-class-net-web1.txt").matchAll(/^\/sys\/class\/net\/web1\/(\w+):(.*)$/gm)].map((m) => [m[1], m[2]]),
  );
  const ip = new Map(parseIpLinkJson(fixture("14-ip-j-s-d-link.txt")).map((l) => [l.name, l]));

  const classDir = join(root, "sys/class/net");
  mkdirSync(classDir, { recursive: true });
  for (const [name, target] of classLinks) {
    const deviceDir = join(classDir, target);
    mkdirSync(deviceDir, { recursive: true });
    symlinkSync(target, join(classDir, name));
    const link = ip.get(name);
    if (!link) throw new Error(`fixture 14 lacks ${name}`);
    const write = (file: string, value: string) => {
      mkdirSync(dirname(join(deviceDir, file)), { recursive: true });
      writeFileSync(join(deviceDir, file), `${value}\n`);
    };
    write("ifindex", name === "web1" ? (web1.ifindex ?? "") : String(link.ifindex));
    write("mtu", String(link.mtu));
    write("operstate", link.operState === "up" && ["lo", "dummy0"].includes(name) ? "unknown" : link.operState);
    write("address", link.mac ?? "");
    write("flags", link.flags.includes("UP") ? "0x1003" : "0x1002");
    write("carrier", "1");
    if (!target.includes("/virtual/")) {
      // 19: web1/device -> ../../../vif-1-0; the NIC's device is its virtio device.
      const device = parseXenBackendDevice(target) ? `../../../vif-${target.split("/vif-")[1]?.split("/")[0]}` : "../../virtio0";
      symlinkSync(device, join(deviceDir, "device"));
    }
    if (link.bridge) {
      write("bridge/stp_state", "0");
      write("bridge/bridge_id", link.bridge.bridgeId);
    }
    if (ports.includes(name)) {
      write("brport/state", "3");
      symlinkSync(`../../../virtual/net/${link.master}`, join(deviceDir, "master"));
    }
  }

  it("finds the same interfaces, ports, bridges and vif devices as ip -d", () => {
    const links = readSysfsLinks(classDir);
    const pick = (l: (typeof links)[number]) => ({
      name: l.name,
      ifindex: l.ifindex,
      master: l.master,
      portState: l.portState,
      bridge: l.bridge,
      operState: l.operState,
      vifDevice: l.parentBus === "xen-backend" ? l.parentDev : null,
    });
    const fromIp = [...ip.values()].map((l) => pick({ ...l, parentDev: l.parentBus === "xen-backend" ? l.parentDev : null }));
    expect(links.map(pick)).toEqual(fromIp.sort((a, b) => a.name.localeCompare(b.name)));
    expect(links.find((l) => l.name === "eth0")?.parentBus).toBe("device");
    expect(links.find((l) => l.name === "xenbr0")?.parentBus).toBeNull();
  });
});
