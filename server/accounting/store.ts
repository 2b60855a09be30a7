import superjson from "superjson";
import { z } from "zod";

import type { Db, DbKind } from "~/server/db";
import type { Prisma } from "~/server/generated/sqlite/client";
import { ZInterfaceCountersSchema } from "~/server/host/inventory";

import { BUCKET_TABLES, RESOLUTIONS, planBucketRows, type BucketRow } from "./buckets";
import type { EngineState, FinalSample, IncarnationState, TickResult } from "./delta-engine";
import { KEY_COUNTER_NAMES, RAW_COUNTER_NAMES, type KeyKind, type MappedInterface, type RawCounters } from "./identity";

/**
 * The counter store's repository: the only module that writes accounting
 * rows. The collector is the single writer of the engine's state; the web
 * side only enqueues detach final counters (enqueueFinalSample).
 *
 * recordTick writes one tick — new keys and incarnations, closed ones, the
 * last raw counters, cumulative totals, the four bucket resolutions, gaps,
 * events, the collector's lastTickAt, the consumed final samples — in ONE
 * transaction: a tick is stored whole or not at all, so a collector killed at
 * any point restarts from a state that matches the stored totals.
 *
 * Hot-path writes are multi-row statements (INSERT … ON CONFLICT DO UPDATE,
 * WITH v(…) AS (VALUES …) UPDATE … FROM v) valid on both SQLite (≥ 3.33)
 * and PostgreSQL; only the placeholders differ.
 *
 * Raw kernel counters are unsigned 64-bit; the columns are signed 64-bit, so
 * raw values are stored as two's complement (toStoredRaw / fromStoredRaw).
 */

type Tx = Prisma.TransactionClient;

export type StoredFinalSample = FinalSample & { id: number };

export type AccountingStoreOptions = {
  /** Fine bucket length in seconds (the tick's resolution). */
  fineS: number;
  /** IANA zone of daily buckets. */
  timeZone: string;
};

export type LoadedState = {
  state: EngineState;
  /** Per-key rate caps in bytes per second (from maxBitsPerSec). */
  capsByKey: Map<string, number>;
};

export type AccountingStore = {
  readonly kind: DbKind;
  loadState(): Promise<LoadedState>;
  recordTick(result: TickResult, meta?: { writtenAt?: number }): Promise<void>;
  readFinalSamples(): Promise<StoredFinalSample[]>;
  enqueueFinalSample(final: FinalSample): Promise<void>;
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

export function toStoredRaw(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}
export function fromStoredRaw(value: bigint): bigint {
  return BigInt.asUintN(64, value);
}

const RAW_COLUMNS: Record<keyof RawCounters, string> = {
  rxBytes: "rawRxBytes",
  txBytes: "rawTxBytes",
  rxPackets: "rawRxPackets",
  txPackets: "rawTxPackets",
  rxErrors: "rawRxErrors",
  txErrors: "rawTxErrors",
  rxDrops: "rawRxDrops",
  txDrops: "rawTxDrops",
};

/** Rows per multi-row statement: keeps parameters under SQLite's 32,766 and PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 1000;

export function placeholderFor(kind: DbKind): (index: number) => string {
  return kind === "postgres" ? (index) => `$${index}` : () => "?";
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Runs one multi-row statement per chunk: `build(valuesSql)` receives the
 * VALUES list; `rowParams` gives each row's parameters; `casts` the SQL type of
 * each column (PostgreSQL cannot infer the types of a bare VALUES list).
 */
async function executeRows<T>(
  tx: Tx,
  kind: DbKind,
  rows: T[],
  casts: string[],
  rowParams: (row: T) => unknown[],
  build: (values: string) => string,
): Promise<void> {
  const ph = placeholderFor(kind);
  for (const part of chunk(rows, ROWS_PER_STATEMENT)) {
    const params: unknown[] = [];
    const tuples = part.map((row) => {
      const values = rowParams(row);
      const cells = values.map((value, i) => {
        params.push(value);
        return `CAST(${ph(params.length)} AS ${casts[i] ?? "BIGINT"})`;
      });
      return `(${cells.join(", ")})`;
    });
    await tx.$executeRawUnsafe(build(tuples.join(", ")), ...params);
  }
}

const COUNTER_COLUMNS = KEY_COUNTER_NAMES.map((name) => `"${name}"`).join(", ");

async function upsertBuckets(tx: Tx, kind: DbKind, table: string, rows: BucketRow[]): Promise<void> {
  const casts = ["INTEGER", "BIGINT", ...KEY_COUNTER_NAMES.map(() => "BIGINT")];
  const updates = KEY_COUNTER_NAMES.map((name) => `"${name}" = "${table}"."${name}" + excluded."${name}"`).join(", ");
  await executeRows(
    tx,
    kind,
    rows,
    casts,
    (row) => [row.keyId, row.start, ...KEY_COUNTER_NAMES.map((name) => row.counters[name])],
    (values) => `INSERT INTO "${table}" ("keyId", "start", ${COUNTER_COLUMNS}) VALUES ${values} ON CONFLICT ("keyId", "start") DO UPDATE SET ${updates}`,
  );
}

export function createAccountingStore(db: Db, kind: DbKind, options: AccountingStoreOptions): AccountingStore {
  /** key → id, and ifindex → id of open incarnations: the collector is the only writer, so these stay true. */
  let keyIds = new Map<string, number>();
  let incarnationIds = new Map<number, number>();

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
      const collector = await db.accountingCollector.findUnique({ where: { id: 1 } });
      return { state: { lastTickAt: collector ? Number(collector.lastTickAt) : null, incarnations }, capsByKey };
    },

    async recordTick(result, meta = {}) {
      const writtenAt = meta.writtenAt ?? Date.now();
      const newKeyIds = new Map(keyIds);
      const newIncarnationIds = new Map(incarnationIds);
      const closedNow = new Map(result.closed.map((c) => [`${c.ifindex}|${c.key}|${c.kernelName}`, c]));

      await db.$transaction(
        async (tx) => {
          // 1. Keys: create the new ones, refresh the attributes of those with a new incarnation.
          const attributes = new Map<string, { mapped: MappedInterface; at: number }>();
          for (const inc of result.opened) attributes.set(inc.key, { mapped: inc.mapped, at: inc.firstSeenAt });
          const fresh = [...attributes.values()].filter((a) => !newKeyIds.has(a.mapped.key));
          if (fresh.length > 0) {
            await tx.accountingKey.createMany({
              data: fresh.map(({ mapped, at }) => ({
                key: mapped.key,
                kind: mapped.kind,
                category: mapped.category,
                domain: mapped.domain,
                devid: mapped.devid,
                vifname: mapped.vifname,
                mac: mapped.mac,
                bridge: mapped.bridge,
                firstSeenAt: BigInt(at),
                lastSeenAt: BigInt(at),
              })),
            });
            const created = await tx.accountingKey.findMany({ where: { key: { in: fresh.map((a) => a.mapped.key) } }, select: { id: true, key: true } });
            for (const k of created) newKeyIds.set(k.key, k.id);
          }
          const freshKeys = new Set(fresh.map((f) => f.mapped.key));
          for (const { mapped, at } of attributes.values()) {
            if (freshKeys.has(mapped.key)) continue;
            await tx.accountingKey.update({
              where: { key: mapped.key },
              data: { domain: mapped.domain, devid: mapped.devid, vifname: mapped.vifname, mac: mapped.mac, bridge: mapped.bridge, lastSeenAt: BigInt(at) },
            });
          }
          const keyIdOf = (key: string): number => {
            const id = newKeyIds.get(key);
            if (id === undefined) throw new Error(`accounting key ${key} has no row`);
            return id;
          };

          // 2. Incarnations that ended (their rows exist unless they opened in this very tick).
          for (const closed of result.closed) {
            const id = newIncarnationIds.get(closed.ifindex);
            if (id === undefined) continue;
            await tx.accountingIncarnation.update({
              where: { id },
              data: { endedAt: BigInt(closed.lastSeenAt), lastSeenAt: BigInt(closed.lastSeenAt), endReason: closed.reason },
            });
            newIncarnationIds.delete(closed.ifindex);
          }

          // 3. New incarnations, with their first raw counters (closed at once if a detach ended them).
          if (result.opened.length > 0) {
            await tx.accountingIncarnation.createMany({
              data: result.opened.map((inc) => {
                const closed = closedNow.get(`${inc.ifindex}|${inc.key}|${inc.kernelName}`);
                return {
                  keyId: keyIdOf(inc.key),
                  kernelName: inc.kernelName,
                  ifindex: inc.ifindex,
                  domid: inc.domid,
                  mac: inc.mapped.mac,
                  bridge: inc.mapped.bridge,
                  firstSeenAt: BigInt(inc.firstSeenAt),
                  lastSeenAt: BigInt(closed?.lastSeenAt ?? inc.at),
                  endedAt: closed ? BigInt(closed.lastSeenAt) : null,
                  endReason: closed?.reason ?? null,
                  ...Object.fromEntries(RAW_COUNTER_NAMES.map((name) => [RAW_COLUMNS[name], toStoredRaw(inc.raw[name])])),
                } as Prisma.AccountingIncarnationCreateManyInput;
              }),
            });
            const stillOpen = result.opened.filter((inc) => result.state.incarnations.get(inc.ifindex)?.firstSeenAt === inc.firstSeenAt);
            if (stillOpen.length > 0) {
              const rows = await tx.accountingIncarnation.findMany({
                where: { endedAt: null, ifindex: { in: stillOpen.map((inc) => inc.ifindex) } },
                select: { id: true, ifindex: true },
              });
              for (const row of rows) newIncarnationIds.set(row.ifindex, row.id);
            }
          }

          // 4. Last raw counters of the incarnations that continue (the collector's persisted state).
          const updated = result.updated.filter((inc) => newIncarnationIds.has(inc.ifindex));
          const rawSet = RAW_COUNTER_NAMES.map((name) => `"${RAW_COLUMNS[name]}" = v."${name}"`).join(", ");
          await executeRows(
            tx,
            kind,
            updated,
            ["INTEGER", "TEXT", "BIGINT", ...RAW_COUNTER_NAMES.map(() => "BIGINT")],
            (inc) => [newIncarnationIds.get(inc.ifindex), inc.kernelName, inc.at, ...RAW_COUNTER_NAMES.map((name) => toStoredRaw(inc.raw[name]))],
            (values) =>
              `WITH v("id", "kernelName", "at", ${RAW_COUNTER_NAMES.map((n) => `"${n}"`).join(", ")}) AS (VALUES ${values}) ` +
              `UPDATE "AccountingIncarnation" SET "kernelName" = v."kernelName", "lastSeenAt" = v."at", ${rawSet} ` +
              `FROM v WHERE "AccountingIncarnation"."id" = v."id"`,
          );

          // 5. Cumulative totals per key (what /api/metrics exposes).
          const moved = [...result.deltas.values()].filter((d) => KEY_COUNTER_NAMES.some((name) => d.counters[name] !== 0n));
          const totalSet = KEY_COUNTER_NAMES.map((name) => `"${name}" = "AccountingKey"."${name}" + v."${name}"`).join(", ");
          await executeRows(
            tx,
            kind,
            moved,
            ["INTEGER", "BIGINT", ...KEY_COUNTER_NAMES.map(() => "BIGINT")],
            (d) => [keyIdOf(d.key), d.to, ...KEY_COUNTER_NAMES.map((name) => d.counters[name])],
            (values) =>
              `WITH v("id", "at", ${COUNTER_COLUMNS}) AS (VALUES ${values}) ` +
              `UPDATE "AccountingKey" SET "lastSeenAt" = v."at", ${totalSet} FROM v WHERE "AccountingKey"."id" = v."id"`,
          );

          // 6. Buckets, every resolution.
          const plan = planBucketRows(
            moved.map((d) => ({ keyId: keyIdOf(d.key), counters: d.counters, fromMs: d.from, toMs: d.to })),
            options,
          );
          for (const resolution of RESOLUTIONS) await upsertBuckets(tx, kind, BUCKET_TABLES[resolution], plan[resolution]);

          // 7. Gaps and notable events.
          const gaps = result.events.flatMap((e) => (e.kind === "gap" ? [{ fromAt: BigInt(e.from), toAt: BigInt(e.to) }] : []));
          if (gaps.length > 0) await tx.accountingGap.createMany({ data: gaps });
          const notable = result.events.flatMap((e) => {
            if (e.kind !== "wrap" && e.kind !== "reset" && e.kind !== "spike" && e.kind !== "renamed") return [];
            const { kind: eventKind, at, key, ...detail } = e;
            return [{ at: BigInt(at), kind: eventKind, key, detail: superjson.stringify(detail) }];
          });
          if (notable.length > 0) await tx.accountingEvent.createMany({ data: notable.slice(0, 1000) });

          // 8. The tick itself, and the final samples it consumed.
          const lastTickAt = BigInt(result.state.lastTickAt ?? 0);
          await tx.accountingCollector.upsert({
            where: { id: 1 },
            create: { id: 1, lastTickAt, updatedAt: BigInt(writtenAt) },
            update: { lastTickAt, updatedAt: BigInt(writtenAt) },
          });
          const finalIds = result.finalsApplied.flatMap((f) => ("id" in f && typeof f.id === "number" ? [f.id] : []));
          if (finalIds.length > 0) await tx.accountingFinalSample.deleteMany({ where: { id: { in: finalIds } } });
        },
        { timeout: 120_000, maxWait: 30_000 },
      );
      keyIds = newKeyIds;
      incarnationIds = newIncarnationIds;
    },

    async readFinalSamples() {
      const rows = await db.accountingFinalSample.findMany({ orderBy: { at: "asc" } });
      return rows.map((row) => {
        const payload = ZStoredFinalSchema.parse(superjson.parse(row.payload));
        return { id: row.id, at: Number(row.at), mapped: payload.mapped, counters: payload.counters };
      });
    },

    async enqueueFinalSample(final) {
      await enqueueFinalSample(db, final);
    },
  };
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
