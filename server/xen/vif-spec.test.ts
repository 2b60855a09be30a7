import { describe, expect, it } from "vitest";
import { createVifFromEntries, formatLibxlNic, formatVifSpec, listVifEntries, parseVifSpec, parseXlUlong, tokenizeVifSpec } from "./index";

const codes = (spec: string, opts = {}) => parseVifSpec(spec, opts).diagnostics.map((d) => d.code);

describe("tokenizing (strtok on ',', leading spaces only)", () => {
  it("drops empty fields and strips only leading spaces", () => {
    expect(tokenizeVifSpec(",, mac=00:16:3e:00:00:01 ,  bridge=xenbr0,,").map((t) => t.text)).toEqual(["mac=00:16:3e:00:00:01 ", "bridge=xenbr0"]);
  });

  it("keeps trailing spaces in values and warns", () => {
    const v = parseVifSpec("ip=193.33.132.140 ,mac=00:16:3E:76:47:D3");
    expect(v.entries).toEqual([
      { key: "ip", value: "193.33.132.140 " },
      { key: "mac", value: "00:16:3E:76:47:D3" },
    ]);
    expect(v.effective.ip).toBe("193.33.132.140 ");
    expect(v.effective.mac).toBe("00:16:3e:76:47:d3");
    // The book's example: the blank stays in the vifname, and the rename then fails.
    expect(codes("vifname=lady , mac=00:16:3e:00:00:01 , bridge=xenbr0")).toEqual(["VIF_TRAILING_SPACE", "VIF_VIFNAME_INVALID"]);
  });

  it("does not strip tabs", () => {
    const v = parseVifSpec("\tmac=00:16:3e:00:00:01");
    expect(v.entries).toEqual([{ key: "\tmac", value: "00:16:3e:00:00:01" }]);
    expect(v.diagnostics[0]?.code).toBe("VIF_LEADING_TAB");
  });

  it("turns a token of spaces into an empty argument", () => {
    const v = parseVifSpec("bridge=xenbr0,   ");
    expect(v.entries).toEqual([
      { key: "bridge", value: "xenbr0" },
      { key: "", value: null },
    ]);
    expect(v.diagnostics[0]?.xlMessage).toBe("unrecognized argument `'");
  });

  it("gives all defaults for empty specs", () => {
    for (const s of ["", ",,,"]) {
      const v = parseVifSpec(s);
      expect(v.entries).toEqual([]);
      expect(v.diagnostics.map((d) => d.code)).toEqual(["VIF_EMPTY_SPEC"]);
    }
  });

  it("takes the value after the first '=' only", () => {
    expect(parseVifSpec("script=vif-bridge a=b").effective.script).toBe("vif-bridge a=b");
  });
});

describe("keys", () => {
  it("reads every documented key", () => {
    const v = parseVifSpec(
      "mac=00:16:3e:01:02:03,bridge=xenbr0,ip=10.0.0.2 10.0.0.3 2001:db8::2,vifname=web1,script=vif-bridge,type=vif,model=e1000,rate=10Mb/s@20ms,backend=0,gatewaydev=eth0,mtu=9000,devid=3,vlan=10p/20,forwarddev=eth1,untrusted,colo_checkpoint_port=9000",
    );
    expect(v.diagnostics).toEqual([]);
    expect(v.effective).toMatchObject({
      mac: "00:16:3e:01:02:03",
      bridge: "xenbr0",
      ips: ["10.0.0.2", "10.0.0.3", "2001:db8::2"],
      vifname: "web1",
      script: "vif-bridge",
      type: "vif",
      model: "e1000",
      rate: { bytesPerInterval: 25000, intervalUsecs: 20000 },
      backend: "0",
      gatewaydev: "eth0",
      mtu: 9000,
      devid: 3,
      devidExplicit: true,
      vlan: "10p/20",
      forwarddev: "eth1",
      trusted: false,
      colo: { colo_checkpoint_port: "9000" },
    });
  });

  it("keeps unknown keys and bare words, with xl's message", () => {
    const v = parseVifSpec("bridge=xenbr0,powerlevel=3,xenif");
    expect(v.entries).toEqual([
      { key: "bridge", value: "xenbr0" },
      { key: "powerlevel", value: "3" },
      { key: "xenif", value: null },
    ]);
    expect(v.diagnostics.map((d) => [d.code, d.severity, d.xlMessage])).toEqual([
      ["VIF_UNKNOWN_KEY", "warning", "unrecognized argument `powerlevel=3'"],
      ["VIF_BARE_WORD", "warning", "unrecognized argument `xenif'"],
    ]);
    expect(v.fatal).toBe(false);
  });

  it("matches keys case-sensitively and without blanks before '='", () => {
    expect(codes("MAC=00:16:3e:00:00:01")).toEqual(["VIF_KEY_CASE"]);
    expect(codes("mac = 00:16:3e:00:00:01")).toEqual(["VIF_SPACE_BEFORE_EQUALS"]);
  });

  it("treats trusted/untrusted as bare flags, last one wins", () => {
    expect(parseVifSpec("trusted,untrusted").effective.trusted).toBe(false);
    expect(parseVifSpec("untrusted,trusted").effective.trusted).toBe(true);
    expect(codes("trusted=1")).toEqual(["VIF_FLAG_WITH_VALUE"]);
  });

  it("lets the last repeated key win", () => {
    const v = parseVifSpec("bridge=a,bridge=b");
    expect(v.effective.bridge).toBe("b");
    expect(v.diagnostics.map((d) => d.code)).toEqual(["VIF_DUPLICATE_KEY"]);
  });

  it("validates type", () => {
    expect(parseVifSpec("type=ioemu").effective.type).toBe("ioemu");
    expect(parseVifSpec("type=IOEMU").diagnostics[0]?.xlMessage).toBe("Invalid parameter `type'.");
  });

  it("reads netdev as a deprecated gatewaydev, ignores accel", () => {
    const v = parseVifSpec("netdev=eth0,accel=x");
    expect(v.effective.gatewaydev).toBe("eth0");
    expect(v.diagnostics.map((d) => d.xlMessage)).toEqual(["the netdev parameter is deprecated, please use gatewaydev instead", "the accel parameter for vifs is currently not supported"]);
  });

  it("reads mtu and devid like strtoul, fatal when nothing is read", () => {
    expect(parseXlUlong("1500abc")).toEqual({ ok: true, value: 1500, lax: true });
    expect(parseXlUlong(" 1500")).toEqual({ ok: true, value: 1500, lax: true });
    expect(parseXlUlong("-2")).toEqual({ ok: true, value: -2, lax: true });
    expect(parseXlUlong("-1")).toEqual({ ok: false });
    expect(parseXlUlong("abc")).toEqual({ ok: false });
    expect(parseXlUlong("99999999999999999999999")).toEqual({ ok: false });
    const v = parseVifSpec("mtu=jumbo");
    expect(v.fatal).toBe(true);
    expect(v.diagnostics[0]?.xlMessage).toBe('xl: failed to convert "jumbo" to number');
    expect(parseVifSpec("devid=7", { position: 2 }).effective.devid).toBe(7);
    expect(parseVifSpec("bridge=x", { position: 2 }).effective.devid).toBe(2);
  });

  it("rejects a bad rate fatally, trailing blank included", () => {
    const v = parseVifSpec("rate=10Mb/s , bridge=x", { source: "/etc/xen/a.cfg" });
    expect(v.fatal).toBe(true);
    expect(v.diagnostics[0]?.xlMessage).toBe("/etc/xen/a.cfg: config parsing error in vif: invalid rate in `10Mb/s '");
  });
});

describe("mac as xl reads it (xl-syntax.md §5.2)", () => {
  it("accepts lax forms", () => {
    expect(parseVifSpec("mac=0:16:3e:0:0:1").effective.mac).toBe("00:16:3e:00:00:01");
    expect(parseVifSpec("mac=00-16-3e-00-00-01").effective.mac).toBe("00:16:3e:00:00:01");
    expect(parseVifSpec("mac=0x00:0x16:0x3e:0x00:0x00:0x01").effective.mac).toBe("00:16:3e:00:00:01");
    expect(parseVifSpec("mac=00:16:3e:00:00:01:02").effective.mac).toBe("00:16:3e:00:00:01");
    expect(codes("mac=00-16-3e-00-00-01")).toEqual(["VIF_MAC_NONSTANDARD"]);
  });

  it("keeps the octets written before a failure", () => {
    const v = parseVifSpec("mac=00:16:3e:11:22:33,mac=aa:bb:zz");
    expect(v.effective.macBytes).toEqual([0xaa, 0xbb, 0x3e, 0x11, 0x22, 0x33]);
    expect(v.diagnostics.map((d) => d.xlMessage).filter(Boolean)).toEqual(["Invalid parameter `mac'."]);
    expect(parseVifSpec("mac=00:16:3e:zz:00:01").effective.mac).toBe("00:16:3e:00:00:00");
    const zero = parseVifSpec("mac=zz:00:00:00:00:01");
    expect(zero.effective.mac).toBeNull();
    expect(zero.diagnostics.map((d) => d.code)).toContain("VIF_MAC_ZERO");
  });

  it("rejects groups over 255 and -1", () => {
    expect(codes("mac=00163e000001")).toContain("VIF_MAC_INVALID");
    expect(codes("mac=100:16:3e:00:00:01")).toContain("VIF_MAC_INVALID");
    expect(codes("mac=-1:16:3e:00:00:01")).toContain("VIF_MAC_INVALID");
  });

  it("reads past a short MAC into the next token", () => {
    // The 6th octet comes from "bridge" (hex "b"), as on the real host (capture 36).
    const v = parseVifSpec("mac=00:16:3e:00:99,bridge=xenbr0");
    expect(v.effective.mac).toBe("00:16:3e:00:99:0b");
    expect(v.diagnostics.map((d) => d.code)).toEqual(["VIF_MAC_SHORT"]);
    const unknown = parseVifSpec("bridge=xenbr0,mac=00:16:3e:00:99");
    expect(unknown.effective.macBytes[5]).toBeNull();
    expect(unknown.effective.mac).toBeNull();
  });

  it("warns about multicast and foreign MACs, not about Xen's or local ones", () => {
    expect(codes("mac=01:00:5e:00:00:01")).toEqual(["VIF_MAC_MULTICAST"]);
    expect(codes("mac=ff:ff:ff:ff:ff:ff")).toEqual(["VIF_MAC_MULTICAST"]);
    expect(codes("mac=08:00:27:00:00:01")).toEqual(["VIF_MAC_NOT_LOCAL"]);
    expect(codes("mac=ae:00:0a:00:02:15")).toEqual([]);
    expect(codes("mac=52:54:00:00:00:01")).toEqual([]);
  });
});

describe("vifname and ip checks", () => {
  it("refuses over 15 bytes, warns over 8 and 11 on HVM", () => {
    const long = parseVifSpec("vifname=averyverylongvifname");
    expect(long.diagnostics.map((d) => [d.code, d.severity])).toEqual([["VIF_VIFNAME_TOO_LONG", "error"]]);
    expect(codes("vifname=webserver1")).toEqual(["VIF_VIFNAME_LONG"]);
    expect(codes("vifname=webserver123", { guestType: "hvm" })).toEqual(["VIF_VIFNAME_HVM_LONG"]);
    expect(codes("vifname=web1")).toEqual([]);
    expect(codes("vifname=a/b")).toEqual(["VIF_VIFNAME_INVALID"]);
  });

  it("checks every ip= word", () => {
    expect(codes("ip=10.0.0.1 10.1.1.1 2000::1")).toEqual([]);
    expect(codes("ip=10.0.0.0/24")).toEqual([]);
    expect(codes("ip=10.0.0.300")).toEqual(["VIF_IP_INVALID"]);
    expect(codes("ip=10.0.0.1,ip=")).toEqual(["VIF_DUPLICATE_KEY", "VIF_IP_INVALID"]);
  });
});

describe("xl.conf defaults and libxl field names", () => {
  it("applies vif.default.* before the vif's own keys", () => {
    const v = parseVifSpec("ip=10.0.0.1", { defaults: { bridge: "xenbr1", script: "vif-route" } });
    expect([v.effective.bridge, v.effective.script]).toEqual(["xenbr1", "vif-route"]);
    expect(parseVifSpec("bridge=br0", { defaults: { bridge: "xenbr1" } }).effective.bridge).toBe("br0");
  });

  it("names the fields like libxl's JSON", () => {
    expect(formatLibxlNic(parseVifSpec("mac=00:16:3e:01:02:03,bridge=xenbr0,vifname=web1,type=ioemu,rate=10Mb/s", { position: 1 }).effective)).toEqual({
      devid: 1,
      mac: "00:16:3e:01:02:03",
      bridge: "xenbr0",
      ifname: "web1",
      nictype: "vif_ioemu",
      rate_bytes_per_interval: 62500,
      rate_interval_usecs: 50000,
    });
  });
});

describe("formatting", () => {
  it("writes the canonical spec", () => {
    expect(formatVifSpec({ vifname: "web1", ip: "10.0.0.2", bridge: "xenbr0", mac: "00:16:3e:01:02:03" })).toEqual({
      ok: true,
      spec: "mac=00:16:3e:01:02:03,bridge=xenbr0,ip=10.0.0.2,vifname=web1",
      diagnostics: [],
    });
    expect(formatVifSpec({ ip: ["10.0.0.2", "10.0.0.3"], trusted: false, rate: "10Mb/s" }).spec).toBe("ip=10.0.0.2 10.0.0.3,rate=10Mb/s,untrusted");
  });

  it("refuses values xl cannot carry", () => {
    expect(formatVifSpec({ bridge: "a,b" }).diagnostics[0]?.code).toBe("VIF_VALUE_COMMA");
    expect(formatVifSpec({ vifname: "a\nb" }).diagnostics[0]?.code).toBe("VIF_VALUE_NEWLINE");
    expect(formatVifSpec({ mac: "00:16:3e:zz:00:01" }).ok).toBe(false);
  });

  it("round-trips entries through the structured form", () => {
    const v = parseVifSpec("mac=00:16:3e:01:02:03,bridge=xenbr0,foo=bar,trusted,mtu=1500");
    const structured = createVifFromEntries(v.entries);
    expect(structured).toEqual({ mac: "00:16:3e:01:02:03", bridge: "xenbr0", trusted: true, mtu: 1500, extra: [{ key: "foo", value: "bar" }] });
    const again = parseVifSpec(formatVifSpec(structured).spec);
    expect(createVifFromEntries(again.entries)).toEqual(structured);
    expect(listVifEntries(structured).map((e) => e.key)).toEqual(["mac", "bridge", "mtu", "trusted", "foo"]);
  });
});
