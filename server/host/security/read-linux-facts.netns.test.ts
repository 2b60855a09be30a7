import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { TInventory } from "~/server/host/inventory";
import { createTestNetns, netnsUnavailableReason } from "~/server/host/linux/testdata/netns";
import type { TestNetns } from "~/server/host/linux/testdata/netns";
import { ZSecurityFactsSchema } from "~/server/host/security-facts";

import { parseIptablesSave, readChainPolicy } from "./iptables";
import { computeSecurityPosture } from "./posture";
import { readLinuxSecurityFacts } from "./read-linux-facts";

/*
 * The reader against a real firewall: a test-owned namespace with the rules
 * vif-bridge would install for web1 (ip=10.0.2.20), FORWARD policy DROP, the
 * chapter's NOTRACK rule in raw, a routed vif (vif3.0 with its host route),
 * and its own bridge-nf-call-iptables (a per-namespace sysctl with br_netfilter).
 */
const skipReason = netnsUnavailableReason() ?? findIptablesProblem();
if (skipReason) console.warn(`skipping the security reader's network namespace tests: ${skipReason}`);

function findIptablesProblem(): string | null {
  return existsSync("/usr/sbin/iptables") && existsSync("/usr/sbin/iptables-save") ? null : "iptables missing (apt-get install -y iptables)";
}

const TIMEOUT = 10_000;

describe.skipIf(skipReason !== null)("readLinuxSecurityFacts in a network namespace", () => {
  let ns: TestNetns;
  let sysRoot: string;

  beforeAll(async () => {
    ns = await createTestNetns("vifdeck-test-sec");
    sysRoot = mkdtempSync(path.join(tmpdir(), "vifdeck-sys-"));
    mkdirSync(path.join(sysRoot, "module/netloop/parameters"), { recursive: true });
    writeFileSync(path.join(sysRoot, "module/netloop/parameters/nloopbacks"), "8\n");
    ns.ipBatch([
      "link add xenbr0 type bridge stp_state 0 forward_delay 0",
      "link add web1 type veth peer name gweb1",
      "link set web1 master xenbr0",
      "link add vif3.0 type veth peer name gvif3",
      "link set xenbr0 up",
      "link set web1 up",
      "link set vif3.0 up",
      "link set gweb1 up",
      "link set gvif3 up",
      "route add 10.0.3.30 dev vif3.0",
    ]);
    const iptables = (...args: string[]) => ns.exec(["iptables", "-w", ...args]);
    iptables("-P", "FORWARD", "DROP");
    // As vif-common.sh's frob_iptable inserts them at "online" for ip=10.0.2.20.
    iptables("-I", "FORWARD", "-m", "physdev", "--physdev-is-bridged", "--physdev-in", "web1", "-s", "10.0.2.20", "-j", "ACCEPT");
    iptables("-I", "FORWARD", "-m", "physdev", "--physdev-is-bridged", "--physdev-out", "web1", "-j", "ACCEPT");
    iptables("-I", "FORWARD", "-m", "physdev", "--physdev-is-bridged", "--physdev-in", "web1", "-p", "udp", "--sport", "68", "--dport", "67", "-j", "ACCEPT");
    iptables("-I", "FORWARD", "-m", "physdev", "--physdev-is-bridged", "--physdev-out", "web1", "-j", "ACCEPT");
    iptables("-t", "raw", "-I", "PREROUTING", "-m", "physdev", "--physdev-in", "web1", "-j", "NOTRACK");
  });

  afterAll(() => {
    ns?.destroy();
    if (sysRoot) rmSync(sysRoot, { recursive: true, force: true });
  });

  const setBridgeNf = (value: "0" | "1") => ns.exec(["sysctl", "-q", "-w", `net.bridge.bridge-nf-call-iptables=${value}`]);

  it("reads the rules, the namespace's sysctls, netloop and the routes back", async () => {
    setBridgeNf("1");
    const facts = ZSecurityFactsSchema.parse(await readLinuxSecurityFacts({ timeoutMs: TIMEOUT, netns: ns.name, sysRoot }));
    expect(facts.iptablesError).toBeNull();
    const save = parseIptablesSave(facts.iptablesSave ?? "");
    expect(readChainPolicy(save, "filter", "FORWARD")).toBe("DROP");
    expect(facts.iptablesSave).toContain("-A FORWARD -s 10.0.2.20/32 -m physdev --physdev-in web1 --physdev-is-bridged -j ACCEPT");
    expect(facts.iptablesSave).toContain("-A PREROUTING -m physdev --physdev-in web1 -j NOTRACK");
    expect(facts.bridgeNfCallIptables).toBe("1");
    expect(facts.netloopLoopbacks).toBe(8);
    expect(facts.netloopError).toBeNull();
    expect(facts.conntrack?.max).toBeGreaterThan(0);
    expect(facts.routes).toContainEqual({ dst: "10.0.3.30", dev: "vif3.0" });
  });

  it("sees bridge-nf-call-iptables turned off in the namespace", async () => {
    setBridgeNf("0");
    try {
      const facts = await readLinuxSecurityFacts({ timeoutMs: TIMEOUT, netns: ns.name, sysRoot });
      expect(facts.bridgeNfCallIptables).toBe("0");
    } finally {
      setBridgeNf("1");
    }
  });

  it("turns the real facts into a posture: web1 protected, then inert without bridge-nf", async () => {
    const inventory = buildInventory();
    setBridgeNf("1");
    const on = computeSecurityPosture({ facts: await readLinuxSecurityFacts({ timeoutMs: TIMEOUT, netns: ns.name, sysRoot }), inventory, configs: [] });
    expect(on.vifs.find((v) => v.kernelName === "web1")).toMatchObject({ antispoof: "protected", notrack: "covered" });
    expect(on.findings.map((f) => [f.id, f.severity])).toContainEqual(["FORWARD_POLICY_DROP", "ok"]);
    expect(on.findings.map((f) => f.id)).toContain("NOTRACK_PRESENT");
    setBridgeNf("0");
    try {
      const off = computeSecurityPosture({ facts: await readLinuxSecurityFacts({ timeoutMs: TIMEOUT, netns: ns.name, sysRoot }), inventory, configs: [] });
      expect(off.vifs.find((v) => v.kernelName === "web1")?.antispoof).toBe("inert");
      expect(off.findings.find((f) => f.id === "BRIDGE_NF_CALL_IPTABLES_OFF")?.severity).toBe("critical");
    } finally {
      setBridgeNf("1");
    }
  });

  it("reports a missing iptables-save as a reason, not an exception", async () => {
    const facts = await readLinuxSecurityFacts({ timeoutMs: TIMEOUT, netns: ns.name, sysRoot, iptablesSavePath: "/nonexistent/iptables-save" });
    expect(facts.iptablesSave).toBeNull();
    expect(facts.iptablesError).toMatch(/iptables-save/);
    expect(facts.routes).not.toBeNull();
  });

  function buildInventory(): TInventory {
    return {
      host: { hostname: "netns-dom0", driver: "xl", xenVersion: "4.17.7", kernel: "6.1", networkMode: "bridge", vifScript: "vif-bridge" },
      domains: [{ name: "web1", domid: 2, state: "running", type: "pv", memoryMiB: 512, vcpus: 1, configFile: null }],
      bridges: [
        {
          name: "xenbr0",
          ifindex: 2,
          bridgeId: "8000.000000000000",
          stp: false,
          mtu: 1500,
          operState: "up",
          addresses: [],
          ports: [{ name: "web1", ifindex: 3, kind: "vif", stpState: "forwarding", operState: "up" }],
        },
      ],
      vifs: [
        {
          kernelName: "web1",
          ifindex: 3,
          domid: 2,
          domain: "web1",
          devid: 0,
          vifname: "web1",
          kind: "vif",
          mac: "00:16:3e:5e:6c:01",
          ips: ["10.0.2.20"],
          bridge: "xenbr0",
          script: "vif-bridge",
          rate: null,
          backendState: 4,
          operState: "up",
          mtu: 1500,
        },
      ],
      nics: [],
    };
  }
});

describe("readLinuxSecurityFacts without the pieces", () => {
  it("gives null and a reason for each file that is not there", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "vifdeck-empty-"));
    try {
      const facts = await readLinuxSecurityFacts({
        timeoutMs: TIMEOUT,
        procRoot: path.join(empty, "proc"),
        sysRoot: path.join(empty, "sys"),
        iptablesSavePath: path.join(empty, "iptables-save"),
        ipPath: path.join(empty, "ip"),
      });
      expect(ZSecurityFactsSchema.parse(facts)).toEqual({
        iptablesSave: null,
        iptablesError: `iptables-save not found at ${path.join(empty, "iptables-save")}: install the iptables package`,
        bridgeNfCallIptables: null,
        bridgeNfCallIptablesError: expect.stringMatching(/br_netfilter is not loaded/),
        netloopLoopbacks: null,
        netloopError: expect.stringMatching(/netloop module is not loaded/),
        conntrack: null,
        conntrackError: expect.stringMatching(/nf_conntrack is not loaded/),
        routes: null,
        routesError: expect.stringMatching(/ip not found/),
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("reads fixture files under procRoot and sysRoot", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "vifdeck-fake-"));
    try {
      mkdirSync(path.join(root, "proc/sys/net/bridge"), { recursive: true });
      mkdirSync(path.join(root, "proc/sys/net/netfilter"), { recursive: true });
      mkdirSync(path.join(root, "sys/module/netloop/parameters"), { recursive: true });
      writeFileSync(path.join(root, "proc/sys/net/bridge/bridge-nf-call-iptables"), "0\n");
      writeFileSync(path.join(root, "proc/sys/net/netfilter/nf_conntrack_count"), "61000\n");
      writeFileSync(path.join(root, "proc/sys/net/netfilter/nf_conntrack_max"), "65536\n");
      writeFileSync(path.join(root, "sys/module/netloop/parameters/nloopbacks"), "8\n");
      const facts = await readLinuxSecurityFacts({
        timeoutMs: TIMEOUT,
        procRoot: path.join(root, "proc"),
        sysRoot: path.join(root, "sys"),
        iptablesSavePath: path.join(root, "iptables-save"),
      });
      expect(facts).toMatchObject({
        bridgeNfCallIptables: "0",
        bridgeNfCallIptablesError: null,
        netloopLoopbacks: 8,
        conntrack: { count: 61000, max: 65536 },
        conntrackError: null,
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
