import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { HostError } from "~/server/host/driver";
import { readFixture } from "~/server/host/linux/testdata/read-fixture";
import { buildNetworkAttachArgv, buildNetworkDetachArgv } from "~/server/host/xl/argv";
import { determineNetworkMode, networkModeOf } from "~/server/host/xl/network-mode";
import { parseNetworkList, parseXlInfo, parseXlList, parseXlListLong, toDomainState } from "~/server/host/xl/parse-xl";
import { extractBackendVifs, parseXenstoreLs } from "~/server/host/xl/xenstore";

const DIR = join(import.meta.dirname, "testdata");
const fixture = (file: string) => readFixture(DIR, file).output;

describe("xl list", () => {
  it("reads names, domids, memory, vcpus and states (03)", () => {
    expect(parseXlList(fixture("03-xl-list.txt"))).toEqual([
      { name: "Domain-0", domid: 0, memoryMiB: 1024, vcpus: 2, state: "running", stateFlags: "r-----" },
      { name: "web1", domid: 1, memoryMiB: 128, vcpus: 1, state: "blocked", stateFlags: "-b----" },
      { name: "db1", domid: 2, memoryMiB: 128, vcpus: 1, state: "blocked", stateFlags: "-b----" },
    ]);
  });

  it("reads xl list -v and the list after a reboot (06, 63: web1 has a new domid)", () => {
    expect(parseXlList(fixture("06-xl-list-v.txt")).map((d) => [d.name, d.state])).toEqual([
      ["Domain-0", "running"],
      ["web1", "blocked"],
      ["db1", "running"],
    ]);
    const after = parseXlList(fixture("63-counters-after-reboot.txt").split("\n").slice(fixture("63-counters-after-reboot.txt").split("\n").findIndex((l) => l.startsWith("Name"))).join("\n"));
    expect(after.find((d) => d.name === "web1")?.domid).toBe(3);
  });

  it("maps the state letters", () => {
    expect(["r-----", "-b----", "--p---", "---s--", "----c-", "-----d", "------", "-b-s--"].map(toDomainState)).toEqual([
      "running",
      "blocked",
      "paused",
      "shutdown",
      "crashed",
      "dying",
      "unknown",
      "shutdown",
    ]);
  });

  it("refuses output without the header", () => {
    expect(() => parseXlList("web1 1 128 1 -b---- 10.7\n")).toThrow(HostError);
  });
});

describe("xl list -l", () => {
  it("reads types and NICs, with vifname, ip and rate (04, 34)", () => {
    const domains = parseXlListLong(fixture("04-xl-list-l.txt"));
    expect(domains.map((d) => [d.domid, d.name, d.type, d.nics.length])).toEqual([
      [0, "Domain-0", "pv", 0],
      [1, "web1", "pv", 1],
      [2, "db1", "pv", 2],
    ]);
    expect(domains[1]?.nics[0]).toEqual({
      devid: 0,
      mac: "00:16:3e:00:00:01",
      bridge: "xenbr0",
      vifname: "web1",
      ips: [],
      script: null,
      nictype: "vif",
      rate: null,
    });
    const db1 = parseXlListLong(fixture("34-list-l-db1-after-attach.txt"))[0];
    expect(db1?.nics.find((n) => n.devid === 4)?.ips).toEqual(["10.0.2.44"]);
    expect(db1?.nics.find((n) => n.devid === 5)?.rate).toEqual({ bytesPerInterval: 62500, intervalUsecs: 50000 });
    expect(db1?.nics.find((n) => n.devid === 7)?.vifname).toBe("db1-vvv");
  });

  it("reads an HVM guest's emulated NIC type", () => {
    const text = JSON.stringify([
      { domid: 9, config: { c_info: { type: "hvm", name: "win1" }, nics: [{ devid: 0, mac: "00:16:3e:00:00:09", nictype: "vif_ioemu", model: "e1000" }] } },
    ]);
    expect(parseXlListLong(text)[0]).toMatchObject({ type: "hvm", nics: [{ devid: 0, nictype: "vif_ioemu" }] });
  });

  it("explains output that is not JSON", () => {
    expect(() => parseXlListLong("(domain (domid 0))")).toThrow(/output_format/);
    expect(() => parseXlListLong('[{"domid":"x"}]')).toThrow(HostError);
  });
});

describe("xl info", () => {
  it("reads host, release and xen_version (00)", () => {
    const info = parseXlInfo(fixture("00-xl-info.txt"));
    expect([info.host, info.release, info.xen_version]).toEqual(["xenlab-dom0", "6.1.0-56-amd64", "4.17.7"]);
    expect(info.xen_changeset).toBe("");
  });
});

describe("xl network-list", () => {
  it("reads one and several domains, the domid from the backend path (07, 08, 09)", () => {
    expect(parseNetworkList(fixture("07-xl-network-list-web1.txt"))).toEqual([
      {
        domid: 1,
        devid: 0,
        backendDomid: 0,
        mac: "00:16:3e:00:00:01",
        state: 4,
        eventChannel: -1,
        txRingRef: 520,
        rxRingRef: 521,
        backendPath: "/local/domain/0/backend/vif/1/0",
      },
    ]);
    expect(parseNetworkList(fixture("09-xl-network-list-web1-db1.txt")).map((r) => `${r.domid}/${r.devid}`)).toEqual(["1/0", "2/0", "2/1"]);
    expect(parseNetworkList(fixture("10-xl-network-list-dom0.txt"))).toEqual([]);
  });

  it("keeps every vif when xl sorts devids as strings (46, 130)", () => {
    const rows = parseNetworkList(fixture("46-network-list-db1-after-errors.txt"));
    expect(rows.map((r) => r.devid)).toEqual([0, 1, 10, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows.find((r) => r.devid === 8)?.mac).toBe("00:16:3e:00:99:0b");
    expect(parseNetworkList(fixture("130-many-vifs-1-attach-to-devid10.txt")).filter((r) => r.domid === 10)).toHaveLength(11);
  });
});

describe("xenstore-ls -f backend/vif", () => {
  it("reads each backend vif (21)", () => {
    const vifs = extractBackendVifs(parseXenstoreLs(fixture("21-xenstore-ls-f-backend-vif.txt")));
    expect(vifs).toEqual([
      {
        domid: 1,
        devid: 0,
        mac: "00:16:3e:00:00:01",
        bridge: "xenbr0",
        vifname: "web1",
        ips: [],
        script: "/etc/xen/scripts/vif-bridge",
        rate: null,
        state: 4,
        hotplugStatus: "connected",
      },
      expect.objectContaining({ domid: 2, devid: 0, mac: "00:16:3e:00:00:11", vifname: null }),
      expect.objectContaining({ domid: 2, devid: 1, bridge: "xenbr1" }),
    ]);
  });

  it("reads ip=, rate= and vifname= of attached vifs (33)", () => {
    const vifs = extractBackendVifs(parseXenstoreLs(fixture("33-xenstore-ls-f-backend-db1-after-attach.txt")));
    expect(vifs).toHaveLength(8);
    expect(vifs.find((v) => v.devid === 4)?.ips).toEqual(["10.0.2.44"]);
    expect(vifs.find((v) => v.devid === 5)?.rate).toEqual({ bytesPerInterval: 62500, intervalUsecs: 50000 });
    expect(vifs.find((v) => v.devid === 3)?.vifname).toBe("db1-extra");
  });

  it("unescapes values", () => {
    const entries = parseXenstoreLs('/a/b = "x\\"y\\\\z\\x41"\n');
    expect(entries.get("/a/b")).toBe('x"y\\zA');
    expect(() => parseXenstoreLs("1 = \"\"\n")).toThrow(HostError);
  });
});

describe("network mode", () => {
  it("takes the vif script from xl.conf, deprecated names included, ignoring comments (79)", () => {
    expect(determineNetworkMode({ xlConf: 'vif.default.script="vif-route"\nvif.default.bridge = "xenbr1" # lan\n' }).vifScript).toBe("vif-route");
    expect(determineNetworkMode({ xlConf: "vifscript='vif-nat'\ndefaultbridge='br0'\n" })).toEqual({ networkMode: "nat", vifScript: "vif-nat" });
  });

  it("takes xend-config.sxp's scripts, the first uncommented one", () => {
    const sxp = "# (network-script network-nat)\n(network-script 'network-route antispoof=yes')\n(vif-script vif-bridge)\n";
    expect(determineNetworkMode({ xendConfig: sxp })).toEqual({ networkMode: "bridge", vifScript: "vif-bridge" });
    expect(determineNetworkMode({ xendConfig: "(network-script network-route)\n" })).toEqual({ networkMode: "route", vifScript: "vif-route" });
  });

  it("prefers xl.conf, then xend-config.sxp, then vif-bridge", () => {
    expect(determineNetworkMode({ xlConf: fixture("79-etc-xen-xl.conf.txt") })).toEqual({ networkMode: "bridge", vifScript: "vif-bridge" });
    expect(determineNetworkMode({ xlConf: 'vif.default.script="/etc/xen/scripts/vif-route"' })).toEqual({
      networkMode: "route",
      vifScript: "vif-route",
    });
    expect(determineNetworkMode({ xlConf: "", xendConfig: "(network-script network-nat)" })).toEqual({ networkMode: "nat", vifScript: "vif-nat" });
    expect(determineNetworkMode({ xlConf: 'vifscript="vif-bridge"', xendConfig: "(vif-script vif-route)" }).networkMode).toBe("bridge");
    expect(networkModeOf("vif-openvswitch")).toBe("bridge");
  });
});

describe("argv builders", () => {
  it("passes network-attach tokens as they are, one argv element each", () => {
    expect(buildNetworkAttachArgv("/usr/sbin/xl", "db1", ["mac=00:16:3e:00:00:02", "bridge=xenbr0", "vifname=db1-extra", "ip=10.0.2.44 10.0.2.45", "rate=10Mb/s"])).toEqual([
      "/usr/sbin/xl",
      "network-attach",
      "db1",
      "mac=00:16:3e:00:00:02",
      "bridge=xenbr0",
      "vifname=db1-extra",
      "ip=10.0.2.44 10.0.2.45",
      "rate=10Mb/s",
    ]);
  });

  it("refuses what xl would read as an option or another argument", () => {
    expect(() => buildNetworkAttachArgv("xl", "-v", [])).toThrow(HostError);
    expect(() => buildNetworkAttachArgv("xl", "", [])).toThrow(HostError);
    expect(() => buildNetworkAttachArgv("xl", "db1", ["-N"])).toThrow(/leading "-"/);
    expect(() => buildNetworkAttachArgv("xl", "db1", ["bridge=xenbr0\nscript=/tmp/evil"])).toThrow(HostError);
  });

  it("builds network-detach by devid or MAC", () => {
    expect(buildNetworkDetachArgv("/usr/sbin/xl", "web1", 1)).toEqual(["/usr/sbin/xl", "network-detach", "web1", "1"]);
    expect(buildNetworkDetachArgv("/usr/sbin/xl", "web1", "00:16:3e:00:01:02")).toEqual(["/usr/sbin/xl", "network-detach", "web1", "00:16:3e:00:01:02"]);
    expect(() => buildNetworkDetachArgv("xl", "web1", -1)).toThrow(HostError);
    expect(() => buildNetworkDetachArgv("xl", "web1", "eth0")).toThrow(HostError);
    expect(() => buildNetworkDetachArgv("xl", "-v", 0)).toThrow(HostError);
  });
});
