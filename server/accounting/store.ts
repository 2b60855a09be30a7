import superjson from "superjson";
import { z } from "zod";

import { dbKindOf, type Db, type DbKind } from "~/server/db";
import { ZInterfaceCountersSchema } from "~/server/host/inventory";

import { BUCKET_TABLES, FIVE_MINUTES_S, RESOLUTIONS, planBucketRows, planRollupRows, type BucketRow, type Resolution } from "./buckets";
import type { EngineState, FinalSample, IncarnationState, TickResult } from "./delta-engine";
import { decodeRawState, encodeRawState, type RawStateEntry } from "./raw-state";
import { addPeaks, deletePeaksBefore, invalidatePeaks, type PeakCache } from "./peaks";
import { RAW_COUNTER_NAMES, addKeyCounters, type KeyKind, type MappedInterface, type RawCounters } from "./identity";
import { RAW_COLUMNS, createTickWriter, fromStoredRaw, type KeyAttributeRow, type KeyTotalRow, type NewKeyRow, type TickWriter } from "./tick-writer";

export { fromStoredRaw, toStoredRaw } from "./tick-writer";

/**
 * The counter store's repository: the only module that writes accounting
 * rows. The collector is the single writer of the engine's state; the web
 * side only enqueues detach final counters (enqueueFinalSample).
 *
 * recordTick writes one tick — new keys and incarnations, closed ones, the
 * last raw counters (one blob on the collector row, raw-state.ts: the
 * incarnation rows keep the counters they opened and closed with), the fine
 * buckets, gaps, events, the collector's lastTickAt, the consumed final
 * samples — in ONE
 * transaction: a tick is stored whole or not at all, so a collector killed at
 * any point restarts from a state that matches the stored totals. The writes
 * go through the collector's own connection (tick-writer.ts); reads go
 * through Prisma.
 *
 * ## Rollups
 *
 * A tick writes fine buckets only (TrafficFine, time first: a tick's rows go
 * to the end of its index together). The 5-minute buckets are sums of fine
 * ones, the hourly and daily buckets sums of 5-minute ones, and each key's
 * cumulative totals (AccountingKey's counters, /api/metrics) the sum of all;
 * rollUp adds them (after the tick that starts a new 5-minute bucket, and by
 * maintenance) for the fine buckets before floor5(lastTickAt), from the
 * collector's `rolledUpTo` on, and advances rolledUpTo in the same
 * transaction: the fine buckets from rolledUpTo on are the pending ones, not
 * in any coarser bucket yet. A tick only writes into buckets after its
 * previous sample (`lastTickAt`), and fine buckets nest in 5-minute ones (the
 * interval divides 300 s), so every 5-minute bucket before floor5(lastTickAt)
 * is complete: rolling those up once adds each byte to every coarser
 * resolution and to the totals exactly once. A tick piece whose 5-minute
 * bucket is before rolledUpTo anyway (rollUp({ includeCurrent }) rolled up
 * the current bucket; the first tick of a store from before rollups, whose
 * coarse buckets already hold the current one) is written to every
 * resolution and the totals directly. The stored 5-minute, hourly and daily
 * buckets therefore trail the ticks by at most the current 5-minute bucket;
 * the readers (queries.ts: bucketSource, readCumulativeTotals) add the
 * pending fine buckets, so what they read is current to the last tick.
 *
 * One tick writes one row per key that moved (it wrote three before: the
 * 5-minute bucket and the totals too, a third of a 2,000-interface tick's CPU).
 * A store written that way (`fiveMinFromFine` false) is converted before its
 * next tick: its 5-minute buckets and totals are complete to lastTickAt, so
 * its 5-minute buckets from rolledUpTo to the end of the last tick's are
 * rolled up into the hourly and daily ones (as rollUp({ includeCurrent }) did)
 * and the rest of that bucket then goes to every resolution directly.
 *
 * Raw kernel counters are unsigned 64-bit; the columns are signed 64-bit, so
 * raw values are stored as two's complement (toStoredRaw / fromStoredRaw).
 */

export type StoredFinalSample = FinalSample & { id: number };

export type AccountingStoreOptions = {
  /** Fine bucket length in seconds (the tick's resolution). */
  fineS: number;
  /** IANA zone of daily buckets and billing periods. */
  timeZone: string;
  /** Day of the month billing periods start (peaks.ts); default 1. */
  billingDay?: number;
};

export type LoadedState = {
  state: EngineState;
  /** Per-key rate caps in bytes per second (from maxBitsPerSec). */
  capsByKey: Map<string, number>;
};

/** Epoch seconds before which each resolution's buckets are deleted (null: keep). */
export type BucketCutoffs = Record<Resolution, number | null>;

export type RollupReport = { fromS: number; toS: number; fiveMinRows: number };

export type AccountingStore = {
  readonly kind: DbKind;
  loadState(): Promise<LoadedState>;
  /** `hostname`: the agent's, from its inventory (kept for /api/metrics). */
  recordTick(result: TickResult, meta?: { writtenAt?: number; hostname?: string | null }): Promise<void>;
  /**
   * Adds the complete 5-minute buckets not yet rolled up to the hourly and
   * daily ones (null if there were none). `includeCurrent` rolls up the
   * 5-minute bucket of the last tick too (tests, exports): the ticks that
   * still fall into it then write every resolution directly.
   */
  rollUp(options?: { includeCurrent?: boolean }): Promise<RollupReport | null>;
  /** Retention: rolls up, then deletes the buckets before each cutoff. */
  deleteExpiredBuckets(cutoffs: BucketCutoffs): Promise<Record<Resolution, number>>;
  readFinalSamples(): Promise<StoredFinalSample[]>;
  enqueueFinalSample(final: FinalSample): Promise<void>;
  /** Closes the store's write connection. */
  close(): Promise<void>;
};

const ZStoredFinalSchema = z.object({
  mapped: z.object({
    key: z.string(),
    kind: z.enum(["guest", "host"]),
    category: z.enum(["guest", "bridge", "physical", "dom0", "tap", "other"]),
    domain: z.string().nullable(),
    devid: z.number().nullable(),
    vifname: z.string().nullable(),
    domid: z.number().nullable(),
    mac: z.string().nullable(),
    bridge: z.string().nullable(),
  }),
  counters: ZInterfaceCountersSchema,
});

export function placeholderFor(kind: DbKind): (index: number) => string {
  return kind === "postgres" ? (index) => `$${index}` : () => "?";
}

const floorFiveMin = (epochS: number) => Math.floor(epochS / FIVE_MINUTES_S) * FIVE_MINUTES_S;

/**
 * The store of the database at `databaseUrl`: `db` (Prisma) for reads, a
 * write connection of its own for ticks, rollups and retention.
 */
export function createAccountingStore(db: Db, databaseUrl: string, options: AccountingStoreOptions, writer: TickWriter = createTickWriter(databaseUrl)): AccountingStore {
  const kind = dbKindOf(databaseUrl);
  /** key → id, and ifindex → id of open incarnations: the collector is the only writer, so these stay true. */
  let keyIds = new Map<string, number>();
  let incarnationIds = new Map<number, number>();
  /** The stored collector row, as of the last load or write. */
  let stored: { lastTickAt: number | null; rolledUpTo: number | null; hostname: string | null; fiveMinFromFine: boolean } = {
    lastTickAt: null,
    rolledUpTo: null,
    hostname: null,
    fiveMinFromFine: true,
  };
  let loaded = false;
  const peakSettings = { timeZone: options.timeZone, billingDay: options.billingDay ?? 1 };
  const peakCache: PeakCache = new Map();

  const loadCollector = async () => {
    const collector = await db.accountingCollector.findUnique({ where: { id: 1 } });
    stored = {
      lastTickAt: collector ? Number(collector.lastTickAt) : null,
      rolledUpTo: collector?.rolledUpTo == null ? null : Number(collector.rolledUpTo),
      hostname: collector?.hostname ?? null,
      // No row: a new store, written the current way from its first tick.
      fiveMinFromFine: collector ? collector.fiveMinFromFine : true,
    };
    loaded = true;
    return collector;
  };

  /** Loads the collector row once, and converts a store whose ticks wrote 5-minute buckets and totals (see above). */
  const ready = async () => {
    if (!loaded) await loadCollector();
    if (stored.fiveMinFromFine || stored.lastTickAt === null) return;
    const { lastTickAt } = stored;
    const toS = floorFiveMin(Math.floor(lastTickAt / 1000)) + FIVE_MINUTES_S;
    // A store from before rollups (rolledUpTo null) has every resolution up to toS already.
    const fromS = stored.rolledUpTo ?? toS;
    await writer
      .transaction(async (tx) => {
        if (toS > fromS) {
          const rows = await tx.readBuckets(BUCKET_TABLES["5m"], fromS, toS);
          const plan = planRollupRows(rows, options);
          await tx.addBuckets(BUCKET_TABLES.hour, plan.hour);
          await tx.addBuckets(BUCKET_TABLES.day, plan.day);
          await addPeaks(tx, kind, rows, fromS, peakSettings, peakCache);
          await invalidatePeaks(tx, kind, toS - FIVE_MINUTES_S, peakSettings, peakCache);
        }
        await tx.saveCollector({ lastTickAt, updatedAt: Date.now(), rolledUpTo: Math.max(fromS, toS), hostname: null });
      })
      .catch((error: unknown) => {
        peakCache.clear();
        throw error;
      });
    stored = { ...stored, rolledUpTo: Math.max(fromS, toS), fiveMinFromFine: true };
  };

  const rollUp = async (rollOptions: { includeCurrent?: boolean } = {}): Promise<RollupReport | null> => {
    await ready();
    const { lastTickAt, rolledUpTo } = stored;
    if (lastTickAt === null || rolledUpTo === null) return null;
    const lastS = Math.floor(lastTickAt / 1000);
    const toS = rollOptions.includeCurrent ? floorFiveMin(lastS) + FIVE_MINUTES_S : floorFiveMin(lastS);
    if (toS <= rolledUpTo) return null;
    const fromS = rolledUpTo;
    const fiveMinRows = await writer.transaction(async (tx) => {
      // Buckets from rolledUpTo on hold no 5-minute rows yet: these are all of them.
      const rows = await tx.readFineAsFiveMin(fromS, toS);
      await tx.addBuckets(BUCKET_TABLES["5m"], rows);
      await tx.addKeyTotals(keyTotalsOf(rows, (row) => Math.min((row.lastFineStart + options.fineS) * 1000, lastTickAt)));
      const plan = planRollupRows(rows, options);
      await tx.addBuckets(BUCKET_TABLES.hour, plan.hour);
      await tx.addBuckets(BUCKET_TABLES.day, plan.day);
      await addPeaks(tx, kind, rows, fromS, peakSettings, peakCache);
      // The rest of the last tick's bucket will bypass the rollup: that period's peaks are incomplete.
      if (rollOptions.includeCurrent) await invalidatePeaks(tx, kind, toS - FIVE_MINUTES_S, peakSettings, peakCache);
      await tx.saveCollector({ lastTickAt, updatedAt: Date.now(), rolledUpTo: toS, hostname: null });
      return rows.length;
    }).catch((error: unknown) => {
      peakCache.clear(); // it may hold what the rolled-back transaction added
      throw error;
    });
    stored = { ...stored, rolledUpTo: toS };
    return { fromS, toS, fiveMinRows };
  };

  return {
    kind,

    async loadState() {
      const keys = await db.accountingKey.findMany({ select: { id: true, key: true, maxBitsPerSec: true } });
      keyIds = new Map(keys.map((k) => [k.key, k.id]));
      const capsByKey = new Map<string, number>();
      for (const k of keys) if (k.maxBitsPerSec !== null) capsByKey.set(k.key, Number(k.maxBitsPerSec) / 8);
      const open = await db.accountingIncarnation.findMany({ where: { endedAt: null }, include: { key: { select: { key: true, kind: true } } } });
      incarnationIds = new Map();
      const incarnations = new Map<number, IncarnationState>();
      for (const row of open) {
        const raw = Object.fromEntries(RAW_COUNTER_NAMES.map((name) => [name, fromStoredRaw(row[RAW_COLUMNS[name] as keyof typeof row] as bigint)])) as RawCounters;
        // Two open rows for one ifindex cannot come from recordTick; keep the newest if a hand edit made one.
        const existing = incarnations.get(row.ifindex);
        if (existing && existing.firstSeenAt > Number(row.firstSeenAt)) continue;
        incarnations.set(row.ifindex, {
          ifindex: row.ifindex,
          kernelName: row.kernelName,
          key: row.key.key,
          kind: row.key.kind as KeyKind,
          domid: row.domid,
          raw,
          at: Number(row.lastSeenAt),
          firstSeenAt: Number(row.firstSeenAt),
        });
        incarnationIds.set(row.ifindex, row.id);
      }
      const collector = await loadCollector();
      // The rows hold each incarnation's counters as opened; the blob, the last tick's (raw-state.ts).
      // A store written before the blob existed has none: its rows were updated every tick.
      if (collector?.rawState) {
        const latest = decodeRawState(collector.rawState);
        for (const inc of incarnations.values()) {
          const entry = latest.get(incarnationIds.get(inc.ifindex) ?? -1);
          if (entry) {
            inc.raw = entry.raw;
            inc.at = entry.at;
          }
        }
      }
      return { state: { lastTickAt: stored.lastTickAt, incarnations }, capsByKey };
    },

    async recordTick(result, meta = {}) {
      await ready();
      const writtenAt = meta.writtenAt ?? Date.now();
      // Copies only when this tick opens or closes incarnations (a failed write then leaves the maps as they were).
      const changes = result.opened.length > 0 || result.closed.length > 0;
      const newKeyIds = changes ? new Map(keyIds) : keyIds;
      const newIncarnationIds = changes ? new Map(incarnationIds) : incarnationIds;
      const lastTickAt = result.state.lastTickAt ?? 0;
      // The first tick of a store (or of one from before rollups) sets rolledUpTo: a new store's
      // coarse buckets are empty (everything after the first sample is rolled up); an older store's
      // already hold the 5-minute bucket of its last tick (so the rest of that bucket goes direct).
      const rolledUpTo =
        stored.rolledUpTo ?? (stored.lastTickAt === null ? floorFiveMin(Math.floor(lastTickAt / 1000)) : floorFiveMin(Math.floor(stored.lastTickAt / 1000)) + FIVE_MINUTES_S);
      const closedNow = new Map(result.closed.map((c) => [`${c.ifindex}|${c.key}|${c.kernelName}`, c]));

      await writer.transaction(async (tx) => {
        // 1. Keys: create the new ones, refresh the attributes of those with a new incarnation.
        const attributes = new Map<string, { mapped: MappedInterface; at: number }>();
        for (const inc of result.opened) attributes.set(inc.key, { mapped: inc.mapped, at: inc.firstSeenAt });
        const fresh: NewKeyRow[] = [];
        const refreshed: KeyAttributeRow[] = [];
        for (const { mapped, at } of attributes.values()) {
          const row = { key: mapped.key, domain: mapped.domain, devid: mapped.devid, vifname: mapped.vifname, mac: mapped.mac, bridge: mapped.bridge, at };
          if (newKeyIds.has(mapped.key)) refreshed.push(row);
          else fresh.push({ ...row, kind: mapped.kind, category: mapped.category });
        }
        for (const k of await tx.insertKeys(fresh)) newKeyIds.set(k.key, k.id);
        await tx.updateKeyAttributes(refreshed);
        const keyIdOf = (key: string): number => {
          const id = newKeyIds.get(key);
          if (id === undefined) throw new Error(`accounting key ${key} has no row`);
          return id;
        };

        // 2. Incarnations that ended (their rows exist unless they opened in this very tick).
        const closedRows = [];
        for (const closed of result.closed) {
          const id = newIncarnationIds.get(closed.ifindex);
          if (id === undefined) continue;
          closedRows.push({ id, at: closed.lastSeenAt, reason: closed.reason, raw: closed.raw });
          newIncarnationIds.delete(closed.ifindex);
        }
        await tx.closeIncarnations(closedRows);

        // 3. New incarnations, with their first raw counters (closed at once if a detach ended them).
        const inserted = await tx.insertIncarnations(
          result.opened.map((inc) => {
            const closed = closedNow.get(`${inc.ifindex}|${inc.key}|${inc.kernelName}`);
            return {
              keyId: keyIdOf(inc.key),
              kernelName: inc.kernelName,
              ifindex: inc.ifindex,
              domid: inc.domid,
              mac: inc.mapped.mac,
              bridge: inc.mapped.bridge,
              firstSeenAt: inc.firstSeenAt,
              lastSeenAt: closed?.lastSeenAt ?? inc.at,
              endedAt: closed ? closed.lastSeenAt : null,
              endReason: closed?.reason ?? null,
              raw: inc.raw,
            };
          }),
        );
        for (const row of inserted) if (row.open) newIncarnationIds.set(row.ifindex, row.id);

        // 4. Incarnations that continue under a new kernel name (a hotplug rename) get it on their row;
        // the last raw counters of every open one go to the collector row as one blob (step 8).
        const renamed = new Set<number>();
        for (const e of result.events) if (e.kind === "renamed") renamed.add(e.ifindex);
        const updated = [];
        for (const inc of result.updated) {
          const id = renamed.has(inc.ifindex) ? newIncarnationIds.get(inc.ifindex) : undefined;
          if (id !== undefined) updated.push({ id, kernelName: inc.kernelName, at: inc.at, raw: inc.raw });
        }
        await tx.updateIncarnations(updated);

        // 5. Buckets: fine ones (every resolution and the cumulative totals only for pieces before rolledUpTo, see above).
        const moved = [];
        for (const d of result.deltas.values()) {
          const c = d.counters;
          if (c.inBytes || c.outBytes || c.inPackets || c.outPackets || c.inErrors || c.outErrors || c.inDrops || c.outDrops) {
            moved.push({ keyId: keyIdOf(d.key), counters: c, fromMs: d.from, toMs: d.to });
          }
        }
        const plan = planBucketRows(moved, { ...options, coarseBefore: rolledUpTo });
        await tx.addBuckets(BUCKET_TABLES.fine, plan.pending);
        for (const resolution of RESOLUTIONS) await tx.addBuckets(BUCKET_TABLES[resolution], plan[resolution]);
        // 6. The cumulative totals of those direct pieces (their 5-minute rows hold exactly them).
        await tx.addKeyTotals(keyTotalsOf(plan["5m"], () => lastTickAt));

        // 7. Gaps and notable events.
        await tx.insertGaps(result.events.flatMap((e) => (e.kind === "gap" ? [{ fromAt: e.from, toAt: e.to }] : [])));
        const notable = result.events.flatMap((e) => {
          if (e.kind !== "wrap" && e.kind !== "reset" && e.kind !== "spike" && e.kind !== "renamed") return [];
          const { kind: eventKind, at, key, ...detail } = e;
          return [{ at, kind: eventKind, key, detail: superjson.stringify(detail) }];
        });
        await tx.insertEvents(notable.slice(0, 1000));

        // 8. The tick itself with the last raw counters, and the final samples it consumed.
        const rawState: RawStateEntry[] = [];
        for (const inc of result.state.incarnations.values()) {
          const id = newIncarnationIds.get(inc.ifindex);
          if (id === undefined) throw new Error(`open incarnation ${inc.kernelName} (ifindex ${inc.ifindex}) has no row`);
          rawState.push({ id, at: inc.at, raw: inc.raw });
        }
        await tx.saveCollector({ lastTickAt, updatedAt: writtenAt, rolledUpTo, hostname: meta.hostname ?? null, rawState: encodeRawState(rawState) });
        await tx.deleteFinalSamples(result.finalsApplied.flatMap((f) => ("id" in f && typeof f.id === "number" ? [f.id] : [])));
      });
      keyIds = newKeyIds;
      incarnationIds = newIncarnationIds;
      stored = { lastTickAt, rolledUpTo, hostname: meta.hostname ?? stored.hostname, fiveMinFromFine: true };
    },

    rollUp,

    async deleteExpiredBuckets(cutoffs) {
      await rollUp();
      return writer.transaction(async (tx) => {
        const deleted = { fine: 0, "5m": 0, hour: 0, day: 0 } satisfies Record<Resolution, number>;
        for (const resolution of RESOLUTIONS) {
          // Pending fine buckets (from rolledUpTo on, at most the current 5 minutes once rolled up) are never deleted.
          const cutoff = resolution === "fine" && cutoffs.fine !== null && stored.rolledUpTo !== null ? Math.min(cutoffs.fine, stored.rolledUpTo) : cutoffs[resolution];
          if (cutoff !== null) deleted[resolution] = await tx.deleteBucketsBefore(BUCKET_TABLES[resolution], cutoff);
        }
        // Peaks (bills) live as long as the hourly buckets.
        if (cutoffs.hour !== null) await deletePeaksBefore(tx, kind, cutoffs.hour);
        return deleted;
      });
    },

    async readFinalSamples() {
      // Every tick asks, and the inbox is almost always empty: one statement on the write connection
      // costs a fraction of a Prisma query.
      const rows = await writer.read<{ id: unknown; at: unknown; payload: unknown }>(
        `SELECT "id", "at", "payload" FROM "AccountingFinalSample" ORDER BY "at", "id"`,
      );
      return rows.map((row) => {
        const payload = ZStoredFinalSchema.parse(superjson.parse(String(row.payload)));
        return { id: Number(row.id), at: Number(row.at), mapped: payload.mapped, counters: payload.counters };
      });
    },

    async enqueueFinalSample(final) {
      await enqueueFinalSample(db, final);
    },

    async close() {
      await writer.close();
    },
  };
}

/** Per-key sums of bucket rows (several 5-minute rows of one key after a gap), last seen at `atOf`'s latest. */
function keyTotalsOf<R extends BucketRow>(rows: readonly R[], atOf: (row: R) => number): KeyTotalRow[] {
  const byKey = new Map<number, KeyTotalRow>();
  for (const row of rows) {
    const at = atOf(row);
    const total = byKey.get(row.keyId);
    if (total) {
      addKeyCounters(total.counters, row.counters);
      total.at = Math.max(total.at, at);
    } else {
      byKey.set(row.keyId, { keyId: row.keyId, at, counters: { ...row.counters } });
    }
  }
  return [...byKey.values()];
}

/**
 * Records the final counters the agent read before detaching a vif (the web
 * side calls this with the detach result); the collector applies them at its
 * next tick, so the collector stays the only writer of the engine's state.
 */
export async function enqueueFinalSample(db: Db, final: FinalSample): Promise<void> {
  await db.accountingFinalSample.create({
    data: { at: BigInt(final.at), payload: superjson.stringify({ mapped: final.mapped, counters: final.counters }) },
  });
}
