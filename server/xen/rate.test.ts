import { describe, expect, it } from "vitest";
import { formatLibxlNic, formatRate, formatRateError, parseNetworkAttachArgv, parseVifRate } from "./index";

// tools/xl/check-xl-vif-parse (xen-project/xen @ c447b7308b), every case: xl -N network-attach 0 <args>.
const CHECK_XL_VIF_PARSE: { args: string[]; rc: 0 | 1; json?: Record<string, unknown> }[] = [
  { args: ["foo"], rc: 1 },
  ...["rate=foo", "rate=foo", "rate=10MB", "rate=10MB/m", "rate=10ZB", "rate=10ZB/s", "rate=10ZB/m"].map((a) => ({ args: [a], rc: 1 as const })),
  ...["rate=16000000b/s", "rate=16000000b/s@50ms", "rate=2000000B/s", "rate=2000000B/s@50ms"].map((a) => ({ args: [a], rc: 0 as const, json: { rate_bytes_per_interval: 100000, rate_interval_usecs: 50000 } })),
  ...["rate=16Kb/s", "rate=16Kb/s@50ms", "rate=2KB/s", "rate=2KB/s@50ms"].map((a) => ({ args: [a], rc: 0 as const, json: { rate_bytes_per_interval: 100, rate_interval_usecs: 50000 } })),
  ...["rate=16Mb/s", "rate=16Mb/s@50ms", "rate=2MB/s", "rate=2MB/s@50ms"].map((a) => ({ args: [a], rc: 0 as const, json: { rate_bytes_per_interval: 100000, rate_interval_usecs: 50000 } })),
  ...["rate=8Gb/s", "rate=8Gb/s@50ms", "rate=1GB/s", "rate=1GB/s@50ms"].map((a) => ({ args: [a], rc: 0 as const, json: { rate_bytes_per_interval: 50000000, rate_interval_usecs: 50000 } })),
  ...["rate=4294967296b/s", "rate=4294967296Kb/s", "rate=4294967296Mb/s", "rate=4294967296Gb/s", "rate=0B/s"].map((a) => ({ args: [a], rc: 1 as const })),
  ...["rate=10Mb/s@foo", "rate=10Mb/s@10h", "rate=10MB/s@foo", "rate=10MB/s@10h"].map((a) => ({ args: [a], rc: 1 as const })),
  ...["rate=80Mb/s@1s", "rate=10MB/s@1s"].map((a) => ({ args: [a], rc: 0 as const, json: { rate_bytes_per_interval: 10000000, rate_interval_usecs: 1000000 } })),
  ...["rate=1B/s@4294967296us", "rate=1B/s@4294968ms", "rate=1B/s@4295s", "rate=1B/s@0us", "rate=4294967295GB/s@5us", "rate=4296MB/s@4294s", "rate=@"].map((a) => ({ args: [a], rc: 1 as const })),
  { args: ["trusted"], rc: 0, json: { trusted: "True" } },
  { args: ["untrusted"], rc: 0, json: { trusted: "False" } },
];

describe("tools/xl/check-xl-vif-parse", () => {
  for (const c of CHECK_XL_VIF_PARSE) {
    it(`${c.args.join(" ")} → exit ${c.rc}`, () => {
      const r = parseNetworkAttachArgv(["network-attach", "0", ...c.args]);
      expect(r.ok ? 0 : 1).toBe(c.rc);
      // xl -N prints only the fields that were set: exactly what formatLibxlNic gives.
      if (c.json) expect(formatLibxlNic(r.vif.effective)).toEqual(c.json);
    });
  }
});

describe("rate grammar (xl-syntax.md §4)", () => {
  it("gives the documented examples", () => {
    expect(parseVifRate("10Mb/s")).toMatchObject({ ok: true, bytesPerInterval: 62500, intervalUsecs: 50000 });
    expect(parseVifRate("250KB/s")).toMatchObject({ ok: true, bytesPerInterval: 12500, intervalUsecs: 50000 });
    expect(parseVifRate("1MB/s@20ms")).toMatchObject({ ok: true, bytesPerInterval: 20000, intervalUsecs: 20000 });
  });

  it("reads a leading 0 as octal and a bare interval as seconds", () => {
    expect(parseVifRate("010MB/s")).toMatchObject({ ok: true, bytesPerSecond: 8_000_000 });
    expect(parseVifRate("09MB/s")).toEqual({ ok: false, reason: "rate overflow", quoted: "09MB/s" });
    expect(parseVifRate("1MB/s@2")).toMatchObject({ ok: true, intervalUsecs: 2_000_000 });
    expect(parseVifRate("1MB/s@20u")).toMatchObject({ ok: true, intervalUsecs: 20 });
    expect(parseVifRate("8b/s")).toMatchObject({ ok: true, bytesPerInterval: 0 });
  });

  it("quotes the part xl quotes", () => {
    expect(parseVifRate("")).toEqual({ ok: false, reason: "no rate specified", quoted: "" });
    expect(parseVifRate("fast")).toEqual({ ok: false, reason: "invalid rate", quoted: "fast" });
    expect(parseVifRate("1MB/s@1h")).toEqual({ ok: false, reason: "invalid replenishment interval", quoted: "1h" });
    expect(parseVifRate("4296MB/s@4294s")).toEqual({ ok: false, reason: "rate overflow", quoted: "4296MB/s@4294s" });
    expect(formatRateError("command line", { reason: "invalid rate", quoted: "fast" })).toBe("command line: config parsing error in vif: invalid rate in `fast'");
  });

  it("formats rates that parse back to the same values", () => {
    expect(formatRate({ bytesPerSecond: 1_250_000 })).toBe("1250KB/s");
    expect(formatRate({ bytesPerSecond: 1_250_000, unit: "bits" })).toBe("10Mb/s");
    expect(formatRate({ bytesPerSecond: 1_000_000, intervalUsecs: 20_000 })).toBe("1MB/s@20ms");
    expect(formatRate({ bytesPerSecond: 7, intervalUsecs: 1_000_000 })).toBe("7B/s@1s");
    expect(formatRate({ bytesPerSecond: 7, intervalUsecs: 33 })).toBe("7B/s@33us");
    expect(formatRate({ bytesPerSecond: 0 })).toBeNull();
    expect(formatRate({ bytesPerSecond: 10, intervalUsecs: 0 })).toBeNull();
    for (const bps of [1, 999, 1000, 62_500, 1_250_000, 123_456_789, 4_000_000_000]) {
      for (const iv of [undefined, 1, 20_000, 1_000_000]) {
        const r = parseVifRate(formatRate({ bytesPerSecond: bps, ...(iv === undefined ? {} : { intervalUsecs: iv }) }) ?? "");
        expect(r).toMatchObject({ ok: true, bytesPerSecond: bps, intervalUsecs: iv ?? 50_000 });
      }
    }
  });
});
