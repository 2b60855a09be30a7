import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { computeBills } from "~/server/accounting/billing";
import { billingPeriod } from "~/server/accounting/calendar";
import { computePeriodBills } from "~/server/accounting/console-queries";
import { createCallerFactory, createTRPCRouter, type Context } from "~/server/api/trpc";
import type { Db } from "~/server/db";
import { createTestDatabase, DB_KINDS, type TestDatabase } from "~/server/testing/databases";

import { createTrafficRouter, readViewSeries, streamLiveBuckets, type TrafficDeps } from "./traffic";

/**
 * The live feed and its resume: events are fine buckets with their start as
 * tracked id; a client that reconnects with Last-Event-Id gets exactly the
 * buckets after it. Checked on the generator, through createCaller, and
 * through the fetch adapter (the SSE the browser reads). Also: the console's
 * bulk bills equal billing.ts's per-key bills.
 */

const FINE_S = 10;
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z, a multiple of 10 s and 300 s

const noAgent = (() => {
  throw new Error("no agent in this test");
}) as Context["callAgent"];

/** A signed-in viewer's context (the procedures are viewer procedures). */
function viewerContext(db: Db): Context {
  return {
    headers: new Headers(),
    db,
    auth: undefined,
    principal: { kind: "user", userId: "u1", username: "viewer", role: "viewer" },
    via: "session",
    source: null,
    crossSite: false,
    callAgent: noAgent,
  } as unknown as Context;
}

async function seedKeys(db: Db): Promise<{ web1: number; db1: number; br: number }> {
  const base = { firstSeenAt: BigInt(T0 * 1000), lastSeenAt: BigInt(T0 * 1000) };
  const web1 = await db.accountingKey.create({ data: { key: "web1", kind: "guest", category: "guest", domain: "web1", devid: 0, vifname: "web1", bridge: "xenbr0", ...base } });
  const db1 = await db.accountingKey.create({ data: { key: "db1/1", kind: "guest", category: "guest", domain: "db1", devid: 1, bridge: "xenbr1", ...base } });
  const br = await db.accountingKey.create({ data: { key: "xenbr0", kind: "host", category: "bridge", ...base } });
  return { web1: web1.id, db1: db1.id, br: br.id };
}

async function writeTick(db: Db, ids: { web1: number; db1: number; br: number }, start: number): Promise<void> {
  // web1 receives 1,250 B and sends 250 B per 10 s bucket (1,000 / 200 bit/s); db1/1 twice that; the bridge 1 MB (never a guest).
  const i = (start - T0) / FINE_S;
  await db.trafficFine.createMany({
    data: [
      { keyId: ids.web1, start: BigInt(start), inBytes: 1250n + BigInt(i), outBytes: 250n },
      { keyId: ids.db1, start: BigInt(start), inBytes: 2500n, outBytes: 500n },
      { keyId: ids.br, start: BigInt(start), inBytes: 1_000_000n, outBytes: 1_000_000n },
    ],
  });
  const lastTickAt = BigInt((start + 0.05) * 1000);
  await db.accountingCollector.upsert({ where: { id: 1 }, create: { id: 1, lastTickAt, updatedAt: lastTickAt }, update: { lastTickAt, updatedAt: lastTickAt } });
}

describe.each(DB_KINDS)("traffic live feed (%s)", (kind) => {
  let test: TestDatabase;
  let ids: { web1: number; db1: number; br: number };
  let deps: TrafficDeps;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    ids = await seedKeys(test.db);
    for (let s = T0; s < T0 + 6 * FINE_S; s += FINE_S) await writeTick(test.db, ids, s);
    deps = { db: test.db, kind, fineS: FINE_S, timeZone: "UTC", now: () => (T0 + 60) * 1000, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))) };
  }, 60_000);
  afterAll(async () => {
    await test?.dispose();
  });

  const web1Plan = { selectors: [{ by: "key" as const, name: "web1" }], withOther: false };

  it("resumes after the last event id, one event per bucket, in bits per second as seen from the guest", async () => {
    const abort = new AbortController();
    const events: Array<{ id: string; inBps: number[]; outBps: number[] }> = [];
    for await (const event of streamLiveBuckets(deps, web1Plan, String(T0 + 2 * FINE_S), { signal: abort.signal, pollMs: 1 })) {
      events.push({ id: event.id, inBps: event.point.inBps, outBps: event.point.outBps });
      if (events.length === 3) break;
    }
    abort.abort();
    expect(events.map((e) => e.id)).toEqual([T0 + 30, T0 + 40, T0 + 50].map(String));
    expect(events[0]).toMatchObject({ inBps: [(1253 * 8) / 10], outBps: [200] });
  });

  it("sums stacked selectors and computes the rest of the guests, never counting host interfaces", async () => {
    const abort = new AbortController();
    const plan = { selectors: [{ by: "domain" as const, name: "web1" }], withOther: true };
    const it = streamLiveBuckets(deps, plan, String(T0 + 4 * FINE_S), { signal: abort.signal, pollMs: 1 });
    const first = await it.next();
    abort.abort();
    await it.return(undefined);
    expect(first.value).toMatchObject({ id: String(T0 + 50), point: { inBps: [(1255 * 8) / 10, 2000], outBps: [200, 400] } });
  });

  it("streams through createCaller as tracked events, then delivers a bucket written later without a new call", async () => {
    const router = createTRPCRouter({ traffic: createTrafficRouter(() => deps) });
    const caller = createCallerFactory(router)(viewerContext(test.db));
    const iterable = await caller.traffic.live({ plan: web1Plan, lastEventId: String(T0 + 4 * FINE_S) });
    const seen: string[] = [];
    let wrote = false;
    for await (const envelope of iterable) {
      const [id] = envelope as unknown as [string, unknown];
      seen.push(id);
      if (!wrote) {
        wrote = true;
        await writeTick(test.db, ids, T0 + 6 * FINE_S);
      }
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([String(T0 + 50), String(T0 + 60)]);
  });

  it("serves SSE through the fetch adapter and resumes from the Last-Event-Id header", async () => {
    const router = createTRPCRouter({ traffic: createTrafficRouter(() => deps) });
    const input = encodeURIComponent(JSON.stringify(superjson.serialize({ plan: web1Plan })));
    const abort = new AbortController();
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request(`http://localhost/api/trpc/traffic.live?input=${input}`, {
        headers: { "last-event-id": String(T0 + 3 * FINE_S) },
        signal: abort.signal,
      }),
      router,
      createContext: () => viewerContext(test.db),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while ((text.match(/^id: /gm) ?? []).length < 3) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value);
    }
    abort.abort();
    await reader.cancel();
    const sseIds = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]);
    expect(sseIds).toEqual([T0 + 40, T0 + 50, T0 + 60].map(String));
  });

  it("fills missing buckets with zeros on the chart grid and never stacks the bridge's own traffic", async () => {
    const series = await readViewSeries(deps, { view: "bridge" }, "1h");
    expect(series.resolution).toBe("fine");
    expect(series.series.map((s) => s.label).sort()).toEqual(["xenbr0", "xenbr1"]);
    expect(series.points.length).toBe(360);
    const newest = series.points[series.points.length - 1]!;
    const lastTickAt = Number((await test.db.accountingCollector.findUniqueOrThrow({ where: { id: 1 } })).lastTickAt);
    expect(newest.start).toBe(Math.floor(lastTickAt / 1000 / FINE_S) * FINE_S);
    expect(newest.seconds).toBe(FINE_S);
    expect(series.points[0]!.inBps.every((v) => v === 0)).toBe(true);
  });
});

describe.each(DB_KINDS)("console bills (%s)", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await test?.dispose();
  });

  it("equal billing.ts's per-key bills", async () => {
    const period = billingPeriod(2026, 1, "UTC", 1);
    const ids = await seedKeys(test.db);
    // Keys seen from the start; some 5-minute intervals empty (zero samples), a burst the percentile drops.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const rows: Array<{ keyId: number; start: bigint; inBytes: bigint; outBytes: bigint }> = [];
    for (let slot = 0; slot < 2000; slot++) {
      const start = BigInt(period.start + slot * 300);
      if (random() < 0.8) rows.push({ keyId: ids.web1, start, inBytes: BigInt(Math.floor(random() * 1e7)), outBytes: BigInt(Math.floor(random() * 1e6)) });
      if (slot % 7 === 0) rows.push({ keyId: ids.db1, start, inBytes: BigInt(Math.floor(random() * 1e9)), outBytes: 5n });
    }
    await test.db.trafficFiveMin.createMany({ data: rows });
    const day = (keyId: number) => rows.filter((r) => r.keyId === keyId);
    for (const keyId of [ids.web1, ids.db1]) {
      const sum = day(keyId).reduce((acc, r) => ({ in: acc.in + r.inBytes, out: acc.out + r.outBytes }), { in: 0n, out: 0n });
      await test.db.trafficDay.create({ data: { keyId, start: BigInt(period.start), inBytes: sum.in, outBytes: sum.out } });
    }
    await test.db.accountingQuota.create({ data: { keyId: ids.web1, metric: "total", monthlyBytes: 10n ** 10n, thresholds: "80,100" } });
    const nowS = period.start + 2000 * 300 + 17;
    const expected = await computeBills(test.db, kind, period, nowS);
    expect(await computePeriodBills(test.db, kind, period, nowS)).toEqual(expected);
    // From the 5-minute buckets (the not yet rolled up ticks included): the same bills here, where days hold every 5 minutes.
    expect(await computePeriodBills(test.db, kind, period, nowS, { totalsFrom: "5m" })).toEqual(expected);
  });
});
