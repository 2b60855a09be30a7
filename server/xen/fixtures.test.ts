// Real-world configs (fixtures/real/SOURCES.md says where each comes from).
// The expected outcomes follow from xl-syntax.md, worked out by hand.
// Reading fixture files is test scaffolding; the library itself does no I/O.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listVifs, parseXendNetworkConfig, parseXlConfig, parseXmVifLine, printXlConfig, type TVifEntry } from "./index";

const DIR = join(import.meta.dirname, "fixtures", "real");
const read = (name: string) => readFileSync(join(DIR, name), "latin1");

type TExpect = {
  file: string;
  syntaxOk: boolean;
  guestType?: "pv" | "pvh" | "hvm";
  vifs?: TVifEntry[][];
  firstXlMessage?: string;
  python?: boolean;
};

const CASES: TExpect[] = [
  { file: "xen-xlexample.hvm.cfg", syntaxOk: true, guestType: "hvm", vifs: [[]] },
  { file: "xen-xlexample.pvlinux.cfg", syntaxOk: true, guestType: "pv", vifs: [[]] },
  { file: "xen-xlexample.pvhlinux.cfg", syntaxOk: true, guestType: "pvh", vifs: [[]] },
  { file: "xen-xl.conf", syntaxOk: true, vifs: [] },
  { file: "xen-4.1-xmexample1.py", syntaxOk: true, guestType: "pv", vifs: [[]] },
  {
    file: "xen-4.1-xmexample3.py",
    syntaxOk: false,
    python: true,
    firstXlMessage: "xen-4.1-xmexample3.py:23: config parsing error near `vmid_check': syntax error, unexpected IDENT, expecting += or '='",
  },
  {
    file: "xen-4.1-xmexample.hvm.py",
    syntaxOk: true,
    guestType: "hvm",
    vifs: [
      [
        { key: "type", value: "ioemu" },
        { key: "bridge", value: "xenbr0" },
      ],
    ],
  },
  {
    file: "babrakov-test.cfg.bak.cfg",
    syntaxOk: true,
    vifs: [
      [
        { key: "ip", value: "193.33.132.142 " },
        { key: "mac", value: "00:16:3E:76:47:D4" },
      ],
    ],
  },
  {
    file: "babrakov-testServer.cfg",
    syntaxOk: true,
    vifs: [
      [
        { key: "ip", value: "192.168.1.155 " },
        { key: "mac", value: "00:16:3E:1C:84:8E" },
      ],
    ],
  },
  { file: "babrakov-ubu.cfg", syntaxOk: false, python: true, firstXlMessage: "babrakov-ubu.cfg:1: config parsing error near `-method': lexical error" },
  { file: "babrakov-ubuntu.cfg.bak.cfg", syntaxOk: false, python: false, firstXlMessage: "babrakov-ubuntu.cfg.bak.cfg:19: config parsing error near `#boot': lexical error" },
  { file: "babrakov-ubuhvm.cfg", syntaxOk: true, guestType: "hvm", vifs: [[]] },
  {
    file: "libvirt-test-vif-multi-ip.cfg",
    syntaxOk: true,
    guestType: "hvm",
    vifs: [
      [
        { key: "mac", value: "00:16:3e:66:92:9c" },
        { key: "bridge", value: "xenbr1" },
        { key: "ip", value: "10.0.0.1 10.1.1.1 2000::1" },
        { key: "script", value: "vif-bridge" },
        { key: "type", value: "vif" },
      ],
    ],
  },
  {
    file: "libvirt-test-vif-rate.cfg",
    syntaxOk: true,
    vifs: [
      [
        { key: "mac", value: "00:16:3e:66:92:9c" },
        { key: "bridge", value: "xenbr1" },
        { key: "script", value: "vif-bridge" },
        { key: "model", value: "e1000" },
        { key: "rate", value: "10240KB/s" },
      ],
    ],
  },
  {
    file: "libvirt-test-fullvirt-ovswitch-trunked.cfg",
    syntaxOk: true,
    vifs: [
      [
        { key: "mac", value: "00:16:3e:66:92:9c" },
        { key: "bridge", value: "ovsbr0:42:43" },
        { key: "script", value: "vif-openvswitch" },
        { key: "model", value: "e1000" },
      ],
    ],
  },
  {
    file: "libvirt-test-paravirt-cmdline.cfg",
    syntaxOk: true,
    guestType: "pv",
    vifs: [
      [
        { key: "mac", value: "00:16:3e:66:92:9c" },
        { key: "bridge", value: "xenbr1" },
        { key: "script", value: "vif-bridge" },
      ],
    ],
  },
  {
    file: "lab-web1.cfg",
    syntaxOk: true,
    guestType: "pv",
    vifs: [
      [
        { key: "mac", value: "00:16:3e:00:00:01" },
        { key: "bridge", value: "xenbr0" },
        { key: "vifname", value: "web1" },
      ],
    ],
  },
  {
    file: "lab-db1.cfg",
    syntaxOk: true,
    vifs: [
      [
        { key: "mac", value: "00:16:3e:00:00:11" },
        { key: "bridge", value: "xenbr0" },
      ],
      [
        { key: "mac", value: "00:16:3e:00:00:12" },
        { key: "bridge", value: "xenbr1" },
      ],
    ],
  },
];

describe("real-world configs", () => {
  for (const c of CASES) {
    it(c.file, () => {
      const text = read(c.file);
      const r = parseXlConfig(text, { source: c.file });
      expect(printXlConfig(r.config)).toBe(text);
      expect(r.config.syntaxOk).toBe(c.syntaxOk);
      if (!c.syntaxOk) expect(r.ok).toBe(false);
      if (c.guestType) expect(r.config.guestType).toBe(c.guestType);
      if (c.vifs) expect(listVifs(r.config).map((v) => v.entries)).toEqual(c.vifs);
      if (c.firstXlMessage) expect(r.diagnostics.find((d) => d.xlMessage?.includes("config parsing error"))?.xlMessage).toBe(c.firstXlMessage);
      if (c.python !== undefined) expect(r.diagnostics.some((d) => d.code === "XL_PYTHON")).toBe(c.python);
    });
  }

  it("libvirt's rate gives xl's numbers", () => {
    const v = listVifs(parseXlConfig(read("libvirt-test-vif-rate.cfg")).config)[0];
    expect(v?.effective.rate).toEqual({ bytesPerInterval: 512000, intervalUsecs: 50000, bytesPerSecond: 10240000 });
  });

  it("xen-tools' blank before the comma is flagged", () => {
    const r = parseXlConfig(read("babrakov-test.cfg.bak.cfg"));
    expect(r.diagnostics.map((d) => d.code)).toContain("VIF_TRAILING_SPACE");
  });

  it("reads the vif lines of the xm examples as xm did", () => {
    expect(parseXmVifLine(read("xen-4.1-xmexample1.py")).vifs.map((v) => v.entries)).toEqual([[]]);
    expect(parseXmVifLine(read("xen-4.1-xmexample.hvm.py")).vifs.map((v) => v.xlSpec)).toEqual(["type=ioemu,bridge=xenbr0"]);
    expect(parseXmVifLine(read("xen-4.1-xmexample3.py")).diagnostics[0]?.code).toBe("XM_SYNTAX");
  });

  it("reads xend-config.sxp's network section", () => {
    const r = parseXendNetworkConfig(read("xen-4.1-xend-config.sxp"));
    expect(r.networkScript?.script).toBe("network-bridge");
    expect(r.vifScript?.script).toBe("vif-bridge");
    expect(r.mode).toBe("bridge");
  });
});
