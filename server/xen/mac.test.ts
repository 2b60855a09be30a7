import { describe, expect, it } from "vitest";
import {
  classifyMac,
  collectKnownMacs,
  computeMacCollisionProbability,
  deriveMacFromIpv4,
  formatMac,
  generateXenMac,
  normalizeMac,
  parseMac,
  parseMacLikeXl,
  parseXlConfig,
} from "./index";

describe("MAC helpers", () => {
  it("parses and formats the strict form", () => {
    expect(parseMac("00:16:3E:0a:0b:0c")).toEqual([0, 0x16, 0x3e, 10, 11, 12]);
    expect(parseMac("00-16-3e-0a-0b-0c")).toEqual([0, 0x16, 0x3e, 10, 11, 12]);
    expect(parseMac("00:16:3e:0a:0b")).toBeNull();
    expect(parseMac("00:16-3e:0a:0b:0c")).toBeNull();
    expect(formatMac([0, 0x16, 0x3e, 10, 11, 12])).toBe("00:16:3e:0a:0b:0c");
    expect(normalizeMac(" 00:16:3E:0A:0B:0C ")).toBe("00:16:3e:0a:0b:0c");
  });

  it("classifies the bits", () => {
    expect(classifyMac([1, 0, 0x5e, 0, 0, 1])).toMatchObject({ multicast: true, broadcast: false });
    expect(classifyMac([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).toMatchObject({ multicast: true, broadcast: true });
    expect(classifyMac([0xae, 0, 1, 2, 3, 4])).toMatchObject({ multicast: false, locallyAdministered: true });
    expect(classifyMac([0, 0x16, 0x3e, 1, 2, 3])).toMatchObject({ xenOui: true, locallyAdministered: false });
  });

  it("mimics xl's strtoul reading", () => {
    expect(parseMacLikeXl(" +a:b:c:d:e:f", null)).toMatchObject({ ok: true, bytes: [10, 11, 12, 13, 14, 15] });
    expect(parseMacLikeXl("0x:16:3e:00:00:01", null).ok).toBe(false); // "0" then 'x' skipped, ":16" is not a number
    expect(parseMacLikeXl("00:16:3e", "bridge=xenbr0").ok).toBe(false);
  });
});

describe("generator", () => {
  it("makes Xen-prefix MACs with the 4th octet's top bit clear, avoiding known ones", () => {
    const bytes = [
      [0xff, 1, 2],
      [0x7f, 1, 2],
      [0x10, 0x20, 0x30],
    ];
    let i = 0;
    const rnd = (n: number) => Uint8Array.from((bytes[i++] ?? [0, 0, 1]).slice(0, n));
    expect(generateXenMac(["00:16:3E:7F:01:02"], rnd)).toBe("00:16:3e:10:20:30");
    const mac = generateXenMac([]);
    expect(mac).toMatch(/^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
  });

  it("collects the MACs of the host and of every config", () => {
    const a = parseXlConfig("vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:02' ]\n").config;
    expect(collectKnownMacs([a], { macsInUse: [{ mac: "00:16:3E:00:00:03", where: "db1/0" }] }).sort()).toEqual(["00:16:3e:00:00:01", "00:16:3e:00:00:02", "00:16:3e:00:00:03"]);
  });

  it("derives the chapter's IP-based MAC", () => {
    expect(deriveMacFromIpv4("1.2.3.4")).toEqual({ ok: true, mac: "ae:00:01:02:03:04" });
    expect(deriveMacFromIpv4("10.0.2.21", "02:00")).toEqual({ ok: true, mac: "02:00:0a:00:02:15" });
    expect(deriveMacFromIpv4("10.0.2.256").ok).toBe(false);
    expect(deriveMacFromIpv4("10.0.2.1", "01:00").ok).toBe(false);
    expect(deriveMacFromIpv4("10.0.2.1", "00:16").ok).toBe(false);
  });

  it("computes the birthday odds: about 3% for 1,000 random MACs", () => {
    const p = computeMacCollisionProbability(1000);
    expect(p).toBeGreaterThan(0.028);
    expect(p).toBeLessThan(0.031);
    expect(computeMacCollisionProbability(1)).toBe(0);
    expect(computeMacCollisionProbability(1000, 23)).toBeGreaterThan(0.057);
    expect(computeMacCollisionProbability(2 ** 24 + 1)).toBe(1);
  });
});

describe("planVifAddition", () => {
  it("uses one generated MAC for the attach argv and the config edit", async () => {
    const { planVifAddition, listVifs: list } = await import("./index");
    const config = parseXlConfig("name = 'web1'\nvif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0' ]\n").config;
    const draws = [
      [0x00, 0x00, 0x01], // taken by the config
      [0x00, 0x00, 0x02], // taken on the host
      [0x12, 0x34, 0x56],
    ];
    let i = 0;
    const plan = planVifAddition({
      config,
      domain: "web1",
      vif: { bridge: "xenbr1", ip: "10.0.0.5" },
      knownMacs: ["00:16:3e:00:00:02"],
      randomBytes: () => Uint8Array.from(draws[i++] ?? [1, 2, 3]),
    });
    expect(plan.ok).toBe(true);
    expect(plan.vif.mac).toBe("00:16:3e:12:34:56");
    expect(plan.argv).toEqual(["network-attach", "web1", "mac=00:16:3e:12:34:56", "bridge=xenbr1", "ip=10.0.0.5"]);
    expect(list(plan.edit.config).map((v) => v.spec)).toEqual(["mac=00:16:3e:00:00:01,bridge=xenbr0", "mac=00:16:3e:12:34:56,bridge=xenbr1,ip=10.0.0.5"]);
  });
});
