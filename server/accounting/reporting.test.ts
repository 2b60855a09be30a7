import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DB_KINDS, createTestDatabase, type TestDatabase } from "~/server/testing/databases";

import { checkQuotas, computeBills, percentile95, setQuota } from "./billing";
import { billingPeriod, billingPeriodOf, dayStartOf, formatLocal } from "./calendar";
import { computeDeltas, emptyEngineState, type EngineState } from "./delta-engine";
import { csvField } from "./export";
import { handleBillExport, handleMetricsRequest, handleRangeExport } from "./http";
import { isBearerAuthorized } from "./http-auth";
import type { MappedInterface } from "./identity";
import { runMaintenance } from "./maintenance";
import { readHostTotals, readIncarnationHistory, readKeyTotals, readSeries } from "./queries";
import { DEFAULT_ACCOUNTING_ENV, accountingSettingsOf } from "./settings";
import { createAccountingStore, type AccountingStore } from "./store";

describe("calendar", () => {
  it("starts days at local midnight, across DST", () => {
    const berlinMarch29 = Date.UTC(2026, 2, 29, 12) / 1000; // DST starts that night in Europe
    expect(formatLocal(dayStartOf(berlinMarch29, "Europe/Berlin"), "Europe/Berlin")).toBe("2026-03-29T00:00:00+01:00");
    expect(dayStartOf(Date.UTC(2026, 2, 30, 12) / 1000, "Europe/Berlin") - dayStartOf(berlinMarch29, "Europe/Berlin")).toBe(23 * 3600);
    expect(formatLocal(dayStartOf(Date.UTC(2026, 0, 1, 3) / 1000, "Asia/Kolkata"), "Asia/Kolkata")).toBe("2026-01-01T00:00:00+05:30");
  });

  it("billing periods run from the billing day to the next month's, in the zone", () => {
    const p = billingPeriod(2026, 12, "America/New_York", 15);
    expect([formatLocal(p.start, "America/New_York"), formatLocal(p.end, "America/New_York"), p.label]).toEqual([
      "2026-12-15T00:00:00-05:00",
      "2027-01-15T00:00:00-05:00",
      "2026-12",
    ]);
    expect(billingPeriodOf(Date.UTC(2026, 4, 3) / 1000, "UTC", 5).label).toBe("2026-04");
    expect(billingPeriodOf(Date.UTC(2026, 4, 5) / 1000, "UTC", 5).label).toBe("2026-05");
  });
});

describe("percentile95", () => {
  it("discards the top 5 % of samples, zeros included for idle intervals", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile95(values)).toBe(95);
    // 8,640 five-minute samples in 30 days: the 432 highest are free.
    const bursty = [...Array.from({ length: 432 }, () => 1e9), 5e6];
    expect(percentile95(bursty, 8640)).toBe(5e6);
    expect(percentile95([], 0)).toBe(0);
  });
});

describe("csvField and bearer tokens", () => {
  it("quotes and neutralises spreadsheet formulas", () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=cmd()")).toBe("'=cmd()");
    expect(csvField(-5)).toBe("-5");
    expect(csvField(12n)).toBe("12");
  });
  it("accepts only the configured bearer token", () => {
    expect(isBearerAuthorized("Bearer abcdefghijklmnop", "abcdefghijklmnop")).toBe(true);
    expect(isBearerAuthorized("Bearer abcdefghijklmnoq", "abcdefghijklmnop")).toBe(false);
    expect(isBearerAuthorized("Bearer abcdefghijklmnop", null)).toBe(false);
    expect(isBearerAuthorized(null, "abcdefghijklmnop")).toBe(false);
  });
});

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);
const guest = (key: string, domid: number): MappedInterface => ({
  key,
  kind: "guest",
  category: "guest",
  domain: key.split("/")[0] ?? key,
  devid: 0,
  vifname: key.includes("/") ? null : key,
  domid,
  mac: "00:16:3e:00:00:01",
  bridge: "xenbr0",
});
const host = (name: string, category: MappedInterface["category"]): MappedInterface => ({
  key: name,
  kind: "host",
  category,
  domain: null,
  devid: null,
  vifname: null,
  domid: null,
  mac: null,
  bridge: null,
});
const raw = (name: string, ifindex: number, rx: bigint, tx: bigint) => ({
  name,
  ifindex,
  rxBytes: rx,
  txBytes: tx,
  rxPackets: rx / 1000n,
  txPackets: tx / 1000n,
  rxErrors: 0n,
  txErrors: 0n,
  rxDrops: 0n,
  txDrops: 0n,
});

describe.each(DB_KINDS)("reports on %s", (kind) => {
  let database: TestDatabase;
  let store: AccountingStore;
  const settings = accountingSettingsOf({ ...DEFAULT_ACCOUNTING_ENV, VIFDECK_METRICS_TOKEN: "metrics-token-0123456789" });
  const deps = () => ({ db: database.db, kind, settings, hostname: "xenhost", now: () => T0 + 3 * 3600_000 });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = createAccountingStore(database.db, database.url, { fineS: 10, timeZone: "UTC" });
    let state: EngineState = emptyEngineState();
    const mapping = new Map([
      ["web1", guest("web1", 1)],
      ["vif2.0", guest("db1/0", 2)],
      ["xenbr0", host("xenbr0", "bridge")],
      ["peth0", host("peth0", "physical")],
    ]);
    // Three hours of 5-minute ticks: web1 sends 1 MB per tick and one 300 MB burst; db1 is steady.
    for (let i = 0; i <= 36; i++) {
      const web1Out = BigInt(i) * 1_000_000n + (i >= 20 ? 300_000_000n : 0n);
      const sample = {
        at: T0 + i * 300_000,
        interfaces: [
          raw("web1", 5, web1Out, BigInt(i) * 2_000_000n),
          raw("vif2.0", 6, BigInt(i) * 100_000n, BigInt(i) * 100_000n),
          raw("xenbr0", 3, BigInt(i) * 10_000n, BigInt(i) * 10_000n),
          raw("peth0", 2, BigInt(i) * 2_100_000n, BigInt(i) * 1_100_000n),
        ],
      };
      const result = computeDeltas(state, sample, mapping, { maxBytesPerSec: 1e10, wrapWindowMs: 600_000, gapAfterMs: 900_000 });
      await store.recordTick(result, { writtenAt: sample.at });
      await store.rollUp();
      state = result.state;
    }
    // The hourly and daily buckets, up to the last tick.
    await store.rollUp({ includeCurrent: true });
  });
  afterAll(async () => {
    await store?.close();
    await database.dispose();
  });

  it("totals, top keys, series, history and host totals", async () => {
    const range = { fromS: T0 / 1000, toS: T0 / 1000 + 86_400 };
    const top = await readKeyTotals(database.db, kind, range, { limit: 2 });
    expect(top.map((t) => t.key)).toEqual(["web1", "peth0"]);
    expect(top[0]?.counters).toMatchObject({ outBytes: 336_000_000n, inBytes: 72_000_000n });
    const series = await readSeries(database.db, kind, "web1", range.fromS, range.fromS + 3 * 3600, "5m");
    expect(series.points).toHaveLength(36);
    expect(series.points.reduce((s, p) => s + p.counters.outBytes, 0n)).toBe(336_000_000n);
    const history = await readIncarnationHistory(database.db, "web1");
    expect(history).toMatchObject([{ kernelName: "web1", ifindex: 5, domid: 1, endedAt: null }]);
    const hostTotals = await readHostTotals(database.db, kind, range);
    expect(hostTotals.uplinks.inBytes).toBe(36n * 2_100_000n);
    expect(hostTotals.guests.outBytes).toBe(336_000_000n + 3_600_000n);
    expect(hostTotals.bridges.inBytes).toBe(360_000n);
  });

  it("bills with the 95th percentile of 5-minute rates, quotas and alerts", async () => {
    const period = billingPeriod(2026, 3, "UTC", 1);
    const nowS = T0 / 1000 + 3 * 3600;
    const [web1] = await computeBills(database.db, kind, period, nowS, ["web1"]);
    // 36 samples: 35 of 1 MB and one of 301 MB; floor(36 × 0.05) = 1 discarded: the 95th is 1 MB / 300 s.
    expect(web1).toMatchObject({ samples: 36, outBytes: 336_000_000n, inBytes: 72_000_000n });
    expect(web1?.p95OutBps).toBeCloseTo((1_000_000 * 8) / 300, 6);
    expect(web1?.p95InBps).toBeCloseTo((2_000_000 * 8) / 300, 6);
    expect(web1?.p95BillableBps).toBe(web1?.p95InBps);

    await setQuota(database.db, "web1", { metric: "total", monthlyBytes: 450_000_000n, thresholds: [80, 90, 100] });
    const alerts = await checkQuotas(database.db, kind, settings, nowS * 1000);
    expect(alerts.map((a) => a.threshold)).toEqual([80, 90]);
    expect(await checkQuotas(database.db, kind, settings, nowS * 1000)).toEqual([]);
  });

  it("serves /api/metrics and the CSV exports behind the bearer token", async () => {
    const auth = { authorization: "Bearer metrics-token-0123456789" };
    expect((await handleMetricsRequest(new Request("http://x/api/metrics"), deps())).status).toBe(401);
    const metrics = await (await handleMetricsRequest(new Request("http://x/api/metrics", { headers: auth }), deps())).text();
    expect(metrics).toContain(
      'vifdeck_traffic_bytes_total{host="xenhost",key="web1",kind="guest",domain="web1",devid="0",vifname="web1",bridge="xenbr0",direction="out"} 336000000',
    );
    expect(metrics).toContain('key="db1/0"');
    const range = await handleRangeExport(new Request(`http://x/api/export/range?from=${T0 / 1000}&to=${T0 / 1000 + 3600}&resolution=hour&key=web1`, { headers: auth }), deps());
    const lines = (await range.text()).trim().split("\r\n");
    expect(lines[0]).toBe("key,domain,devid,vifname,bucket_start,resolution,in_bytes,out_bytes,in_packets,out_packets,in_errors,out_errors,in_drops,out_drops");
    expect(lines[1]).toMatch(/^web1,web1,0,web1,2026-03-01T00:00:00\+00:00,hour,/);
    const bill = await (await handleBillExport(new Request("http://x/api/export/bill?month=2026-03", { headers: auth }), deps())).text();
    expect(bill.split("\r\n").find((l) => l.includes(",web1,"))).toMatch(/^2026-03,2026-03-01T00:00:00\+00:00,2026-04-01T00:00:00\+00:00,web1,72000000,336000000,408000000,36,/);
    expect((await handleRangeExport(new Request("http://x/api/export/range?from=x", { headers: auth }), deps())).status).toBe(400);
  });

  it("maintenance keeps at least each retention, deleting fine buckets an hour at a time", async () => {
    // 24 h and 90 min after T0: the fine cutoff T0 + 90 min is rounded down to T0 + 1 h.
    const report = await runMaintenance(database.db, store, settings, T0 + 86_400_000 + 90 * 60_000);
    expect(report.deleted.fine).toBeGreaterThan(0);
    const oldest = await database.db.trafficFine.findFirst({ orderBy: { start: "asc" } });
    expect(Number(oldest?.start)).toBe(T0 / 1000 + 3600);
  });

  it("maintenance deletes what each resolution no longer keeps", async () => {
    const report = await runMaintenance(database.db, store, settings, T0 + 2 * 86_400_000);
    expect(report.deleted.fine).toBeGreaterThan(0);
    expect(report.deleted.fiveMin).toBe(0);
    expect(await database.db.trafficFine.count()).toBe(0);
    expect(await database.db.trafficDay.count()).toBeGreaterThan(0);
  });
});
