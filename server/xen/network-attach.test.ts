import { describe, expect, it } from "vitest";
import { formatNetworkAttachArgv, parseNetworkAttachArgv } from "./index";

// Captures from the real Xen 4.17 host (../shared/fixtures/xl/35-45, 101-106): the
// argument-level outcome xl gave. Attaches refused later by libxl or the hotplug
// script (unknown bridge, vifname too long, duplicate MAC in xenstore) passed
// xl's argument parsing.
const CAPTURES: { file: string; argv: string[]; argsOk: boolean; xlMessage?: string; mac?: string }[] = [
  { file: "35-err-bad-mac", argv: ["db1", "mac=00:16:3e:zz:00:99", "bridge=xenbr0"], argsOk: false, xlMessage: "Invalid parameter `mac'." },
  { file: "36-err-short-mac", argv: ["db1", "mac=00:16:3e:00:99", "bridge=xenbr0"], argsOk: true, mac: "00:16:3e:00:99:0b" },
  { file: "37-err-unknown-bridge", argv: ["db1", "mac=00:16:3e:00:00:98", "bridge=nosuchbr0"], argsOk: true, mac: "00:16:3e:00:00:98" },
  { file: "39-err-nonexistent-domain", argv: ["nosuchdom", "mac=00:16:3e:00:00:97", "bridge=xenbr0"], argsOk: true },
  { file: "43-err-bad-option", argv: ["db1", "mac=00:16:3e:00:00:93", "bridge=xenbr0", "bogus=1"], argsOk: false, xlMessage: "unrecognized argument `bogus=1'" },
  { file: "44-err-bad-rate", argv: ["db1", "mac=00:16:3e:00:00:92", "bridge=xenbr0", "rate=fast"], argsOk: false, xlMessage: "command line: config parsing error in vif: invalid rate in `fast'" },
  { file: "45-err-duplicate-mac", argv: ["db1", "mac=00:16:3e:00:00:02", "bridge=xenbr0"], argsOk: true },
  { file: "103-clean-err-duplicate-mac", argv: ["db1", "mac=00:16:3e:00:00:11", "bridge=xenbr0"], argsOk: true },
  { file: "105-clean-err-multicast-mac", argv: ["db1", "mac=01:00:5e:00:00:01", "bridge=xenbr0"], argsOk: true, mac: "01:00:5e:00:00:01" },
];

describe("network-attach arguments against the real host's captures", () => {
  for (const c of CAPTURES) {
    it(c.file, () => {
      const r = parseNetworkAttachArgv(["network-attach", ...c.argv]);
      const argErrors = r.diagnostics.filter((d) => d.severity === "error" && d.xlMessage !== undefined);
      expect(argErrors.length === 0).toBe(c.argsOk);
      expect(r.ok).toBe(c.argsOk);
      if (c.xlMessage) expect(argErrors.map((d) => d.xlMessage)).toEqual([c.xlMessage]);
      if (c.mac) expect(r.vif.effective.mac).toBe(c.mac);
      expect(r.domain).toBe(c.argv[0]);
    });
  }

  it("flags the multicast MAC xl accepted and the vifname the kernel refused", () => {
    expect(parseNetworkAttachArgv(["db1", "mac=01:00:5e:00:00:01"]).diagnostics.map((d) => d.code)).toContain("VIF_MAC_MULTICAST");
    const long = parseNetworkAttachArgv(["db1", "mac=00:16:3e:00:00:94", "bridge=xenbr0", "vifname=averyverylongvifname"]);
    // xl takes the arguments (the kernel refuses the name later): ok, but not valid.
    expect(long.ok).toBe(true);
    expect(long.valid).toBe(false);
    expect(long.diagnostics.map((d) => d.code)).toEqual(["VIF_VIFNAME_TOO_LONG"]);
  });
});

describe("network-attach semantics (xl-syntax.md §6.1)", () => {
  it("does not split on commas", () => {
    const r = parseNetworkAttachArgv(["network-attach", "web1", "bridge=xenbr1,mac=00:16:3e:00:00:01"]);
    expect(r.vif.effective.bridge).toBe("xenbr1,mac=00:16:3e:00:00:01");
    expect(r.diagnostics.map((d) => d.code)).toContain("ATTACH_COMMA_IN_ARG");
    const m = parseNetworkAttachArgv(["web1", "mac=00:16:3e:00:00:01,bridge=xenbr1"]);
    expect(m.vif.effective.mac).toBe("00:16:3e:00:00:01");
    expect(m.vif.effective.bridge).toBeNull();
  });

  it("does not strip leading spaces", () => {
    const r = parseNetworkAttachArgv(["web1", " bridge=xenbr0"]);
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.xlMessage).toBe("unrecognized argument ` bridge=xenbr0'");
  });

  it("needs a domain", () => {
    expect(parseNetworkAttachArgv(["network-attach"]).diagnostics[0]?.xlMessage).toBe("'xl network-attach' requires at least 1 argument.");
  });

  it("leaves the devid to libxl", () => {
    expect(parseNetworkAttachArgv(["web1"]).vif.effective.devid).toBeNull();
  });
});

describe("formatting network-attach argv", () => {
  it("writes one word per key", () => {
    expect(formatNetworkAttachArgv("web1", { mac: "00:16:3e:01:02:03", bridge: "xenbr0", ip: "10.0.0.2", vifname: "web1", rate: "10Mb/s" })).toEqual({
      ok: true,
      argv: ["network-attach", "web1", "mac=00:16:3e:01:02:03", "bridge=xenbr0", "ip=10.0.0.2", "vifname=web1", "rate=10Mb/s"],
      diagnostics: [],
    });
  });

  it("refuses what xl cannot carry or the config file could not hold", () => {
    expect(formatNetworkAttachArgv("web1", { bridge: "a,b" }).ok).toBe(false);
    expect(formatNetworkAttachArgv("web1", { vifname: "a\nb" }).ok).toBe(false);
    expect(formatNetworkAttachArgv("web1", { rate: "fast" }).ok).toBe(false);
    expect(formatNetworkAttachArgv("web1", { vifname: "averyverylongvifname" }).ok).toBe(false);
    expect(formatNetworkAttachArgv("-x", { bridge: "xenbr0" }).ok).toBe(false);
    expect(formatNetworkAttachArgv("web1", [{ key: "bogus", value: "1" }]).ok).toBe(false);
  });
});
