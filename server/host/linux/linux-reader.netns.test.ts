import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ZCountersSchema } from "~/server/host/inventory";
import { CounterReader } from "~/server/host/linux/counter-reader";
import { readBridgePorts, readLinks, readNetwork } from "~/server/host/linux/network-reader";
import { readSysfsLinks } from "~/server/host/linux/sysfs";
import { createTestNetns, netnsUnavailableReason } from "~/server/host/linux/testdata/netns";
import type { TestNetns } from "~/server/host/linux/testdata/netns";

/*
 * The reader against real interfaces: a "dom0" namespace with two bridges and
 * veth pairs named like vifs, whose other ends sit in a "guests" namespace.
 *
 *   br0 (STP off, 10.99.5.1/24): vif5.0, web1 (created as vif6.0, renamed), vif8.0 (peer down)
 *   br1 (STP on):                vif7.0
 */
const skipReason = netnsUnavailableReason();
if (skipReason) console.warn(`skipping the network namespace tests: ${skipReason}`);

const PACKETS = 40;
const PAYLOAD = 1000;
/** UDP payload + UDP header + IPv4 header + Ethernet header, as the kernel counts bytes on a veth. */
const FRAME_BYTES = PAYLOAD + 8 + 20 + 14;

describe.skipIf(skipReason !== null)("Linux reader in a network namespace", () => {
  let dom0: TestNetns;
  let guests: TestNetns;

  beforeAll(async () => {
    dom0 = await createTestNetns();
    guests = await createTestNetns("vifdeck-test-guests");
    const pairs: [string, string][] = [
      ["vif5.0", "g5e0"],
      ["vif6.0", "g6e0"],
      ["vif7.0", "g7e0"],
      ["vif8.0", "g8e0"],
    ];
    dom0.ipBatch([
      "link add br0 type bridge stp_state 0 forward_delay 0",
      "link add br1 type bridge stp_state 1",
      "link set br0 addrgenmode none",
      "link set br1 addrgenmode none",
      ...pairs.flatMap(([vif, peer]) => [
        `link add ${vif} type veth peer name ${peer} netns ${guests.name}`,
        `link set ${vif} addrgenmode none`,
      ]),
      // vif-bridge renames the backend to the configured vifname.
      "link set vif6.0 name web1",
      "link set vif5.0 master br0",
      "link set web1 master br0",
      "link set vif8.0 master br0",
      "link set vif7.0 master br1",
      "addr add 10.99.5.1/24 dev br0",
      "link set br0 up",
      "link set br1 up",
      "link set vif5.0 up",
      "link set web1 up",
      "link set vif7.0 up",
      "link set vif8.0 up",
    ]);
    guests.ipBatch([
      ...pairs.map(([, peer]) => `link set ${peer} addrgenmode none`),
      "link set g5e0 up",
      "link set g6e0 up",
      "link set g7e0 up",
      // g8e0 stays down: vif8.0 has no carrier.
      "addr add 10.99.5.2/24 dev g5e0",
      // A static neighbour: no ARP, so the only frames are the ones we send.
      "neigh add 10.99.5.9 lladdr 02:00:00:00:05:09 dev g5e0 nud permanent",
    ]);
  });

  afterAll(() => {
    dom0?.destroy();
    guests?.destroy();
  });

  const readerOptions = () => ({ sysClassNet: dom0.sysClassNet, procNetDev: dom0.procNetDev, netns: dom0.name });

  function sysfsCounters(name: string) {
    const read = (file: string) => BigInt(readFileSync(`${dom0.sysClassNet}/${name}/statistics/${file}`, "latin1").trim());
    return {
      rxBytes: read("rx_bytes"),
      txBytes: read("tx_bytes"),
      rxPackets: read("rx_packets"),
      txPackets: read("tx_packets"),
      ifindex: Number(readFileSync(`${dom0.sysClassNet}/${name}/ifindex`, "latin1")),
    };
  }

  function sendFromGuest(source: string, destination: string, packets: number, payload: number) {
    const script = `
      const s = require("node:dgram").createSocket("udp4");
      s.bind(0, ${JSON.stringify(source)}, async () => {
        const buf = Buffer.alloc(${payload}, 120);
        for (let i = 0; i < ${packets}; i++) await new Promise((r) => s.send(buf, 9, ${JSON.stringify(destination)}, r));
        s.close();
      });`;
    guests.exec([process.execPath, "-e", script]);
  }

  it("reads every interface's counters with the ifindex the kernel gives it", () => {
    const reader = new CounterReader(readerOptions());
    const counters = ZCountersSchema.parse(reader.readCounters());
    expect(reader.changeDetection).toBe("sysfs-mtime");
    const names = counters.interfaces.map((i) => i.name).sort();
    expect(names).toEqual(["br0", "br1", "lo", "vif5.0", "vif7.0", "vif8.0", "web1"]);
    for (const iface of counters.interfaces) {
      expect(iface.ifindex).toBe(sysfsCounters(iface.name).ifindex);
    }
  });

  it("reads /proc/net/dev whole when it outgrows the reader's buffer, and again after", () => {
    const small = new CounterReader({ ...readerOptions(), initialBufferBytes: 100 });
    const large = new CounterReader(readerOptions());
    for (let i = 0; i < 2; i++) {
      const a = small.readCounterColumns();
      const b = large.readCounterColumns();
      expect(a.names).toEqual(b.names);
      expect(a.ifindex).toEqual(b.ifindex);
      expect(a.names).toHaveLength(7);
    }
  });

  it("counts known traffic exactly, as the kernel does in sysfs", () => {
    const reader = new CounterReader(readerOptions());
    const vifOf = (c: ReturnType<CounterReader["readCounters"]>) => c.interfaces.find((i) => i.name === "vif5.0");
    const before = vifOf(reader.readCounters());
    const sysBefore = sysfsCounters("vif5.0");
    sendFromGuest("10.99.5.2", "10.99.5.9", PACKETS, PAYLOAD);
    const after = vifOf(reader.readCounters());
    const sysAfter = sysfsCounters("vif5.0");
    if (!before || !after) throw new Error("vif5.0 missing");
    // On the dom0 side, what the guest sent is received.
    expect(after.rxPackets - before.rxPackets).toBe(BigInt(PACKETS));
    expect(after.rxBytes - before.rxBytes).toBe(BigInt(PACKETS * FRAME_BYTES));
    expect(after.rxBytes).toBe(sysAfter.rxBytes);
    expect(after.rxPackets).toBe(sysAfter.rxPackets);
    expect(before.rxBytes).toBe(sysBefore.rxBytes);
  });

  it("agrees with sysfs for every interface (between a sysfs read before and one after)", () => {
    const reader = new CounterReader(readerOptions());
    const names = ["br0", "br1", "lo", "vif5.0", "vif7.0", "vif8.0", "web1"];
    const before = new Map(names.map((n) => [n, sysfsCounters(n)]));
    const counters = reader.readCounters();
    const after = new Map(names.map((n) => [n, sysfsCounters(n)]));
    for (const iface of counters.interfaces) {
      const lo = before.get(iface.name);
      const hi = after.get(iface.name);
      if (!lo || !hi) throw new Error(`${iface.name} not in sysfs`);
      for (const key of ["rxBytes", "txBytes", "rxPackets", "txPackets"] as const) {
        expect(iface[key] >= lo[key] && iface[key] <= hi[key], `${iface.name} ${key}`).toBe(true);
      }
    }
  });

  it.each(["sysfs-mtime", "lstat"] as const)("notices an interface recreated under the same name (%s)", (changeDetection) => {
    const n = changeDetection === "lstat" ? 2 : 1;
    // A quiet vif (peer down, never a frame): its counters cannot tell a new incarnation.
    dom0.ipBatch([`link add quiet${n} type veth peer name gq${n} netns ${guests.name}`, `link set quiet${n} addrgenmode none`]);
    const reader = new CounterReader({ ...readerOptions(), changeDetection });
    const find = (name: string) => reader.readCounters().interfaces.find((i) => i.name === name);
    const old = find(`quiet${n}`);
    expect(old).toMatchObject({ rxBytes: 0n, txBytes: 0n, rxPackets: 0n, txPackets: 0n });
    // The guest reboots: the backend goes away and comes back under the same name (vif-bridge renames it).
    dom0.ipBatch([
      `link del quiet${n}`,
      `link add vif9.${n} type veth peer name gr${n} netns ${guests.name}`,
      `link set vif9.${n} name quiet${n}`,
    ]);
    const recreated = find(`quiet${n}`);
    expect(recreated?.ifindex).toBe(sysfsCounters(`quiet${n}`).ifindex);
    expect(recreated?.ifindex).not.toBe(old?.ifindex);
    // A rename keeps the ifindex, under the new name.
    dom0.ip("link", "set", `quiet${n}`, "name", `renamed${n}`);
    expect(find(`renamed${n}`)?.ifindex).toBe(recreated?.ifindex);
    expect(reader.changeDetection).toBe(changeDetection);
    dom0.ip("link", "del", `renamed${n}`);
  });

  it("reads bridges, ports, STP states and addresses", async () => {
    const view = await readNetwork(readerOptions());
    const br0 = view.bridges.find((b) => b.name === "br0");
    const br1 = view.bridges.find((b) => b.name === "br1");
    expect(br0).toMatchObject({ stp: false, operState: "up", addresses: ["10.99.5.1/24"], mtu: 1500 });
    expect(br0?.bridgeId).toMatch(/^8000\.[0-9a-f]{12}$/);
    expect(br0?.bridgeId).toBe(readFileSync(`${dom0.sysClassNet}/br0/bridge/bridge_id`, "latin1").trim());
    expect(br1?.stp).toBe(true);
    const ports = (name: string) =>
      Object.fromEntries(
        (view.bridges.find((b) => b.name === name)?.ports ?? []).map((p) => [p.name, `${p.kind}:${p.stpState}:${p.operState}`]),
      );
    expect(ports("br0")).toEqual({
      "vif5.0": "vif:forwarding:up",
      web1: expect.stringMatching(/^other:(forwarding|disabled):(up|down)$/),
      "vif8.0": "vif:disabled:down",
    });
    // Kernel STP starts a new port in listening (then learning after forward_delay).
    expect(ports("br1")).toEqual({ "vif7.0": expect.stringMatching(/^vif:(listening|learning):up$/) });
    // Told which names are vifs (the xl driver knows), a renamed veth counts as one.
    const told = await readNetwork({ ...readerOptions(), vifNames: new Set(["web1"]) });
    expect(told.bridges.find((b) => b.name === "br0")?.ports.find((p) => p.name === "web1")?.kind).toBe("vif");
    expect(view.nics).toEqual([]);
  });

  it("agrees with bridge -j link and with sysfs about ports and states", async () => {
    const links = await readLinks(readerOptions());
    const bridgePorts = await readBridgePorts(readerOptions());
    const fromIp = links.filter((l) => l.portState !== null).map((l) => [l.name, l.master, l.portState]);
    expect(bridgePorts.map((p) => [p.name, p.master, p.state]).sort()).toEqual(fromIp.sort());
    const sysfs = readSysfsLinks(dom0.sysClassNet);
    const pick = (l: (typeof links)[number]) => [l.name, l.ifindex, l.master, l.portState, l.bridge, l.mtu];
    expect(sysfs.map(pick).sort()).toEqual(links.map(pick).sort());
  });

  it("runs ip inside the namespace only: the host's own interfaces are not seen", async () => {
    const links = await readLinks(readerOptions());
    expect(links.map((l) => l.name)).not.toContain("eth0");
  });
});
