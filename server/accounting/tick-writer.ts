import Database from "better-sqlite3";
import pg from "pg";

import { SQLITE_WAL_AUTOCHECKPOINT_PAGES, dbKindOf, type DbKind } from "~/server/db";
import { pgConfigOf, sqliteFileOf } from "~/server/migrate";

import { BUCKET_TABLES, type BucketRow } from "./buckets";
import { KEY_COUNTER_NAMES, RAW_COUNTER_NAMES, type KeyCounters, type RawCounters } from "./identity";

/**
 * The collector's write connection: one tick in one transaction, through the
 * database driver itself, not Prisma (whose raw statements cost seconds at
 * 8,000 vifs, most of it binding ~60 bigint values per key).
 *
 * - SQLite: a dedicated better-sqlite3 connection (WAL, busy timeout) with
 *   prepared statements, one execution per row inside BEGIN IMMEDIATE … COMMIT.
 *   The Prisma client of the same process and the web process keep reading.
 * - PostgreSQL: a dedicated pg connection; every batch is one statement over
 *   arrays (`unnest`), so a tick is a handful of round trips.
 *
 * Raw kernel counters are stored as signed 64-bit two's complement (see store.ts).
 * Times are epoch ms (`…At`) or epoch s (`start`), as in the schema.
 */

export type NewKeyRow = {
  key: string;
  kind: string;
  category: string;
  domain: string | null;
  devid: number | null;
  vifname: string | null;
  mac: string | null;
  bridge: string | null;
  at: number;
};
export type KeyAttributeRow = Omit<NewKeyRow, "kind" | "category">;
export type ClosedIncarnationRow = { id: number; at: number; reason: string; raw: RawCounters };
export type NewIncarnationRow = {
  keyId: number;
  kernelName: string;
  ifindex: number;
  domid: number | null;
  mac: string | null;
  bridge: string | null;
  firstSeenAt: number;
  lastSeenAt: number;
  endedAt: number | null;
  endReason: string | null;
  raw: RawCounters;
};
export type UpdatedIncarnationRow = { id: number; kernelName: string; at: number; raw: RawCounters };
/** `at`: when the key was last seen moving traffic (lastSeenAt only moves forward). */
export type KeyTotalRow = { keyId: number; at: number; counters: KeyCounters };
/** A 5-minute bucket summed from fine ones (the rollup), with the start of the latest fine bucket in it. */
export type FiveMinFromFineRow = BucketRow & { lastFineStart: number };
export type EventRow = { at: number; kind: string; key: string | null; detail: string };
/** `rawState`: the tick's raw-state blob (raw-state.ts); absent, the stored one stays. */
export type CollectorRow = { lastTickAt: number; updatedAt: number; rolledUpTo: number; hostname: string | null; rawState?: Uint8Array };

export type TickWriterTx = {
  insertKeys(rows: NewKeyRow[]): Promise<Array<{ id: number; key: string }>>;
  updateKeyAttributes(rows: KeyAttributeRow[]): Promise<void>;
  closeIncarnations(rows: ClosedIncarnationRow[]): Promise<void>;
  /** Returns the new rows' ids with their ifindex and whether they are still open. */
  insertIncarnations(rows: NewIncarnationRow[]): Promise<Array<{ id: number; ifindex: number; open: boolean }>>;
  updateIncarnations(rows: UpdatedIncarnationRow[]): Promise<void>;
  addKeyTotals(rows: KeyTotalRow[]): Promise<void>;
  /** Adds counters to the buckets of a table (INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c). */
  addBuckets(table: string, rows: BucketRow[]): Promise<void>;
  /** The buckets of a table with `start` in [fromS, toS). */
  readBuckets(table: string, fromS: number, toS: number): Promise<BucketRow[]>;
  /** The fine buckets with `start` in [fromS, toS) summed per key and 5-minute bucket (fromS on the 5-minute grid). */
  readFineAsFiveMin(fromS: number, toS: number): Promise<FiveMinFromFineRow[]>;
  /** Deletes the buckets that start before `beforeS` (by the table's index on start: nothing to delete costs one probe). */
  deleteBucketsBefore(table: string, beforeS: number): Promise<number>;
  insertGaps(rows: Array<{ fromAt: number; toAt: number }>): Promise<void>;
  insertEvents(rows: EventRow[]): Promise<void>;
  /**
   * The collector row, in one statement with its raw-state blob when given: SQLite rewrites a whole
   * row (the blob's overflow pages too) on any update. Marks the store as one whose ticks write fine
   * buckets only (fiveMinFromFine).
   */
  saveCollector(row: CollectorRow): Promise<void>;
  deleteFinalSamples(ids: number[]): Promise<void>;
  /** Raw statements for the rollup's peaks (peaks.ts): `?` placeholders on SQLite, `$n` on PostgreSQL. */
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<number>;
};

export type TickWriter = {
  readonly kind: DbKind;
  transaction<T>(work: (tx: TickWriterTx) => Promise<T>): Promise<T>;
  /** Rows of one read-only statement on the same connection, outside any transaction (`?` / `$n` placeholders). */
  read<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
};

export function toStoredRaw(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}
export function fromStoredRaw(value: bigint): bigint {
  return BigInt.asUintN(64, value);
}

export const RAW_COLUMNS: Record<keyof RawCounters, string> = {
  rxBytes: "rawRxBytes",
  txBytes: "rawTxBytes",
  rxPackets: "rawRxPackets",
  txPackets: "rawTxPackets",
  rxErrors: "rawRxErrors",
  txErrors: "rawTxErrors",
  rxDrops: "rawRxDrops",
  txDrops: "rawTxDrops",
};

const RAW_COLUMN_LIST = RAW_COUNTER_NAMES.map((name) => `"${RAW_COLUMNS[name]}"`);

function storedRawOf(raw: RawCounters): bigint[] {
  return RAW_COUNTER_NAMES.map((name) => toStoredRaw(raw[name]));
}
const COUNTER_COLUMN_LIST = KEY_COUNTER_NAMES.map((name) => `"${name}"`);
/** Rows per multi-row bucket statement on SQLite (10 parameters each). */
const BUCKET_ROWS = 64;
const BUCKET_TABLE_NAMES = new Set(Object.values(BUCKET_TABLES));

function checkedTable(table: string): string {
  if (!BUCKET_TABLE_NAMES.has(table)) throw new Error(`not a bucket table: ${table}`);
  return table;
}

/** The primary key's columns of a bucket table, for ON CONFLICT. */
function conflictTargetOf(table: string): string {
  return table === BUCKET_TABLES.fine ? `("start", "keyId")` : `("keyId", "start")`;
}

export function createTickWriter(databaseUrl: string): TickWriter {
  return dbKindOf(databaseUrl) === "postgres" ? createPostgresTickWriter(databaseUrl) : createSqliteTickWriter(databaseUrl);
}

// ---------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------

function createSqliteTickWriter(databaseUrl: string): TickWriter {
  let connection: Database.Database | null = null;
  const statements = new Map<string, Database.Statement>();
  const open = (): Database.Database => {
    if (!connection) {
      connection = new Database(sqliteFileOf(databaseUrl), { timeout: 5_000 });
      connection.pragma("journal_mode = WAL");
      connection.pragma("synchronous = NORMAL");
      connection.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
      connection.defaultSafeIntegers(true);
    }
    return connection;
  };
  const statement = (sql: string): Database.Statement => {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = open().prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };

  const tx: TickWriterTx = {
    async insertKeys(rows) {
      const insert = statement(
        `INSERT INTO "AccountingKey" ("key", "kind", "category", "domain", "devid", "vifname", "mac", "bridge", "firstSeenAt", "lastSeenAt") ` +
          `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      );
      return rows.map((r) => {
        const row = insert.get(r.key, r.kind, r.category, r.domain, r.devid, r.vifname, r.mac, r.bridge, r.at, r.at) as { id: bigint };
        return { id: Number(row.id), key: r.key };
      });
    },
    async updateKeyAttributes(rows) {
      const update = statement(
        `UPDATE "AccountingKey" SET "domain" = ?, "devid" = ?, "vifname" = ?, "mac" = ?, "bridge" = ?, "lastSeenAt" = ? WHERE "key" = ?`,
      );
      for (const r of rows) update.run(r.domain, r.devid, r.vifname, r.mac, r.bridge, r.at, r.key);
    },
    async closeIncarnations(rows) {
      const update = statement(
        `UPDATE "AccountingIncarnation" SET "endedAt" = ?, "lastSeenAt" = ?, "endReason" = ?, ${RAW_COLUMN_LIST.map((c) => `${c} = ?`).join(", ")} WHERE "id" = ?`,
      );
      for (const r of rows) update.run(r.at, r.at, r.reason, ...storedRawOf(r.raw), r.id);
    },
    async insertIncarnations(rows) {
      const insert = statement(
        `INSERT INTO "AccountingIncarnation" ("keyId", "kernelName", "ifindex", "domid", "mac", "bridge", "firstSeenAt", "lastSeenAt", "endedAt", "endReason", ${RAW_COLUMN_LIST.join(", ")}) ` +
          `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      );
      return rows.map((r) => {
        const raw = r.raw;
        const row = insert.get(
          r.keyId,
          r.kernelName,
          r.ifindex,
          r.domid,
          r.mac,
          r.bridge,
          r.firstSeenAt,
          r.lastSeenAt,
          r.endedAt,
          r.endReason,
          toStoredRaw(raw.rxBytes),
          toStoredRaw(raw.txBytes),
          toStoredRaw(raw.rxPackets),
          toStoredRaw(raw.txPackets),
          toStoredRaw(raw.rxErrors),
          toStoredRaw(raw.txErrors),
          toStoredRaw(raw.rxDrops),
          toStoredRaw(raw.txDrops),
        ) as { id: bigint };
        return { id: Number(row.id), ifindex: r.ifindex, open: r.endedAt === null };
      });
    },
    async updateIncarnations(rows) {
      const update = statement(
        `UPDATE "AccountingIncarnation" SET "kernelName" = ?, "lastSeenAt" = ?, ${RAW_COLUMN_LIST.map((c) => `${c} = ?`).join(", ")} WHERE "id" = ?`,
      );
      for (const r of rows) {
        const raw = r.raw;
        update.run(
          r.kernelName,
          r.at,
          toStoredRaw(raw.rxBytes),
          toStoredRaw(raw.txBytes),
          toStoredRaw(raw.rxPackets),
          toStoredRaw(raw.txPackets),
          toStoredRaw(raw.rxErrors),
          toStoredRaw(raw.txErrors),
          toStoredRaw(raw.rxDrops),
          toStoredRaw(raw.txDrops),
          r.id,
        );
      }
    },
    async addKeyTotals(rows) {
      const update = statement(
        `UPDATE "AccountingKey" SET "lastSeenAt" = MAX("lastSeenAt", ?), ${COUNTER_COLUMN_LIST.map((c) => `${c} = ${c} + ?`).join(", ")} WHERE "id" = ?`,
      );
      for (const r of rows) {
        const c = r.counters;
        update.run(r.at, c.inBytes, c.outBytes, c.inPackets, c.outPackets, c.inErrors, c.outErrors, c.inDrops, c.outDrops, r.keyId);
      }
    },
    async addBuckets(table, rows) {
      const t = checkedTable(table);
      // Multi-row statements of BUCKET_ROWS rows (a third less CPU than one row per call at 8,000 keys), then one per row.
      const upsertOf = (count: number) =>
        statement(
          `INSERT INTO "${t}" ("keyId", "start", ${COUNTER_COLUMN_LIST.join(", ")}) VALUES ${new Array<string>(count).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")} ` +
            `ON CONFLICT ${conflictTargetOf(t)} DO UPDATE SET ${COUNTER_COLUMN_LIST.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`,
        );
      const params: unknown[] = [];
      const push = (r: BucketRow) => {
        const c = r.counters;
        params.push(r.keyId, r.start, c.inBytes, c.outBytes, c.inPackets, c.outPackets, c.inErrors, c.outErrors, c.inDrops, c.outDrops);
      };
      let i = 0;
      if (rows.length >= BUCKET_ROWS) {
        const many = upsertOf(BUCKET_ROWS);
        for (; i + BUCKET_ROWS <= rows.length; i += BUCKET_ROWS) {
          params.length = 0;
          for (let j = i; j < i + BUCKET_ROWS; j++) push(rows[j] as BucketRow);
          many.run(params);
        }
      }
      const one = upsertOf(1);
      for (; i < rows.length; i++) {
        params.length = 0;
        push(rows[i] as BucketRow);
        one.run(params);
      }
    },
    async readBuckets(table, fromS, toS) {
      const t = checkedTable(table);
      const rows = statement(`SELECT "keyId", "start", ${COUNTER_COLUMN_LIST.join(", ")} FROM "${t}" WHERE "start" >= ? AND "start" < ?`).all(
        fromS,
        toS,
      ) as Array<Record<string, bigint>>;
      return rows.map(bucketRowOf);
    },
    async readFineAsFiveMin(fromS, toS) {
      const rows = statement(FINE_AS_FIVE_MIN_SQLITE).all(fromS, toS) as Array<Record<string, bigint>>;
      return rows.map(fiveMinFromFineRowOf);
    },
    async deleteBucketsBefore(table, beforeS) {
      return statement(`DELETE FROM "${checkedTable(table)}" WHERE "start" < ?`).run(beforeS).changes;
    },
    async insertGaps(rows) {
      const insert = statement(`INSERT INTO "AccountingGap" ("fromAt", "toAt") VALUES (?, ?)`);
      for (const r of rows) insert.run(r.fromAt, r.toAt);
    },
    async insertEvents(rows) {
      const insert = statement(`INSERT INTO "AccountingEvent" ("at", "kind", "key", "detail") VALUES (?, ?, ?, ?)`);
      for (const r of rows) insert.run(r.at, r.kind, r.key, r.detail);
    },
    async saveCollector(row) {
      if (row.rawState) statement(SAVE_COLLECTOR_SQLITE.withRawState).run(row.lastTickAt, row.updatedAt, row.rolledUpTo, row.hostname, bufferOf(row.rawState));
      else statement(SAVE_COLLECTOR_SQLITE.only).run(row.lastTickAt, row.updatedAt, row.rolledUpTo, row.hostname);
    },
    async deleteFinalSamples(ids) {
      const del = statement(`DELETE FROM "AccountingFinalSample" WHERE "id" = ?`);
      for (const id of ids) del.run(id);
    },
    async all<T>(sql: string, params: unknown[] = []) {
      return statement(sql).all(...params) as T[];
    },
    async run(sql, params = []) {
      return statement(sql).run(...params).changes;
    },
  };

  let busy: Promise<unknown> = Promise.resolve();
  return {
    kind: "sqlite",
    async transaction(work) {
      // One transaction at a time on this connection (the collector is the only caller; this keeps it true).
      const run = async () => {
        const db = open();
        db.exec("BEGIN IMMEDIATE");
        try {
          const result = await work(tx);
          db.exec("COMMIT");
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw error;
        }
      };
      const next = busy.then(run, run);
      busy = next.catch(() => undefined);
      return next;
    },
    async read<T>(sql: string, params: unknown[] = []) {
      const run = async () => statement(sql).all(...params) as T[];
      const next = busy.then(run, run);
      busy = next.catch(() => undefined);
      return next;
    },
    async close() {
      await busy;
      statements.clear();
      connection?.close();
      connection = null;
    },
  };
}

/** A statement written with PostgreSQL's $1, $2 … (each once, in order) with SQLite's `?`s. */
function positional(sql: string): string {
  let next = 1;
  return sql.replace(/\$(\d+)/g, (_match, n: string) => {
    if (Number(n) !== next++) throw new Error(`positional: $${n} out of order in ${sql}`);
    return "?";
  });
}

const SAVE_COLLECTOR_COLUMNS =
  `ON CONFLICT ("id") DO UPDATE SET "lastTickAt" = excluded."lastTickAt", "updatedAt" = excluded."updatedAt", ` +
  `"rolledUpTo" = excluded."rolledUpTo", "hostname" = COALESCE(excluded."hostname", "AccountingCollector"."hostname"), "fiveMinFromFine" = TRUE`;
const SAVE_COLLECTOR_SQL = {
  only:
    `INSERT INTO "AccountingCollector" ("id", "lastTickAt", "updatedAt", "rolledUpTo", "hostname", "fiveMinFromFine") VALUES (1, $1, $2, $3, $4, TRUE) ` +
    SAVE_COLLECTOR_COLUMNS,
  withRawState:
    `INSERT INTO "AccountingCollector" ("id", "lastTickAt", "updatedAt", "rolledUpTo", "hostname", "fiveMinFromFine", "rawState") VALUES (1, $1, $2, $3, $4, TRUE, $5) ` +
    `${SAVE_COLLECTOR_COLUMNS}, "rawState" = excluded."rawState"`,
};

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Integer division on both databases (start and 300 are integers); the primary key (start, keyId) serves the range. */
const FINE_AS_FIVE_MIN_SQL =
  `SELECT "keyId", ("start" / 300) * 300 AS "start", MAX("start") AS "lastFineStart", ` +
  `${KEY_COUNTER_NAMES.map((name) => `CAST(SUM("${name}") AS TEXT) AS "${name}"`).join(", ")} ` +
  `FROM "${BUCKET_TABLES.fine}" WHERE "start" >= $1 AND "start" < $2 GROUP BY "keyId", ("start" / 300) * 300`;

const SAVE_COLLECTOR_SQLITE = { only: positional(SAVE_COLLECTOR_SQL.only), withRawState: positional(SAVE_COLLECTOR_SQL.withRawState) };
const FINE_AS_FIVE_MIN_SQLITE = positional(FINE_AS_FIVE_MIN_SQL);

function fiveMinFromFineRowOf(row: Record<string, unknown>): FiveMinFromFineRow {
  return { ...bucketRowOf(row), lastFineStart: Number(row.lastFineStart) };
}

function bucketRowOf(row: Record<string, unknown>): BucketRow {
  const big = (value: unknown) => (typeof value === "bigint" ? value : BigInt(String(value ?? 0)));
  return {
    keyId: Number(row.keyId),
    start: Number(row.start),
    counters: {
      inBytes: big(row.inBytes),
      outBytes: big(row.outBytes),
      inPackets: big(row.inPackets),
      outPackets: big(row.outPackets),
      inErrors: big(row.inErrors),
      outErrors: big(row.outErrors),
      inDrops: big(row.inDrops),
      outDrops: big(row.outDrops),
    },
  };
}

// ---------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------

/** A column of values for `unnest($n::type[])`: bigints and numbers as decimal strings, nulls kept. */
function column<T>(rows: readonly T[], pick: (row: T) => bigint | number | string | null): Array<string | null> {
  const out = new Array<string | null>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = pick(rows[i] as T);
    out[i] = value === null ? null : String(value);
  }
  return out;
}

function createPostgresTickWriter(databaseUrl: string): TickWriter {
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  const connect = (): Promise<pg.Client> => {
    connecting ??= (async () => {
      const c = new pg.Client(pgConfigOf(databaseUrl));
      c.on("error", () => {
        // A broken connection: the next transaction reconnects.
        client = null;
        connecting = null;
      });
      await c.connect();
      client = c;
      return c;
    })().catch((error: unknown) => {
      connecting = null;
      throw error;
    });
    return connecting;
  };

  const txOf = (c: pg.Client): TickWriterTx => {
    const q = (text: string, values: unknown[] = []) => c.query(text, values);
    return {
      async insertKeys(rows) {
        if (rows.length === 0) return [];
        const result = await q(
          `INSERT INTO "AccountingKey" ("key", "kind", "category", "domain", "devid", "vifname", "mac", "bridge", "firstSeenAt", "lastSeenAt") ` +
            `SELECT k, kd, c, d, dv, v, m, b, a, a FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::bigint[]) ` +
            `AS t(k, kd, c, d, dv, v, m, b, a) RETURNING "id", "key"`,
          [
            column(rows, (r) => r.key),
            column(rows, (r) => r.kind),
            column(rows, (r) => r.category),
            column(rows, (r) => r.domain),
            column(rows, (r) => r.devid),
            column(rows, (r) => r.vifname),
            column(rows, (r) => r.mac),
            column(rows, (r) => r.bridge),
            column(rows, (r) => r.at),
          ],
        );
        return (result.rows as Array<{ id: number; key: string }>).map((r) => ({ id: Number(r.id), key: r.key }));
      },
      async updateKeyAttributes(rows) {
        if (rows.length === 0) return;
        await q(
          `UPDATE "AccountingKey" k SET "domain" = t.d, "devid" = t.dv, "vifname" = t.v, "mac" = t.m, "bridge" = t.b, "lastSeenAt" = t.a ` +
            `FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[]) AS t(k, d, dv, v, m, b, a) WHERE k."key" = t.k`,
          [
            column(rows, (r) => r.key),
            column(rows, (r) => r.domain),
            column(rows, (r) => r.devid),
            column(rows, (r) => r.vifname),
            column(rows, (r) => r.mac),
            column(rows, (r) => r.bridge),
            column(rows, (r) => r.at),
          ],
        );
      },
      async closeIncarnations(rows) {
        if (rows.length === 0) return;
        await q(
          `UPDATE "AccountingIncarnation" i SET "endedAt" = t.a, "lastSeenAt" = t.a, "endReason" = t.er, ${RAW_COLUMN_LIST.map((c, n) => `${c} = t.r${n}`).join(", ")} ` +
            `FROM unnest($1::int[], $2::bigint[], $3::text[], ${RAW_COUNTER_NAMES.map((_, n) => `$${4 + n}::bigint[]`).join(", ")}) ` +
            `AS t(id, a, er, ${RAW_COUNTER_NAMES.map((_, n) => `r${n}`).join(", ")}) WHERE i."id" = t.id`,
          [column(rows, (r) => r.id), column(rows, (r) => r.at), column(rows, (r) => r.reason), ...RAW_COUNTER_NAMES.map((name) => column(rows, (r) => toStoredRaw(r.raw[name])))],
        );
      },
      async insertIncarnations(rows) {
        if (rows.length === 0) return [];
        const raws = RAW_COUNTER_NAMES.map((name) => column(rows, (r) => toStoredRaw(r.raw[name])));
        const result = await q(
          `INSERT INTO "AccountingIncarnation" ("keyId", "kernelName", "ifindex", "domid", "mac", "bridge", "firstSeenAt", "lastSeenAt", "endedAt", "endReason", ${RAW_COLUMN_LIST.join(", ")}) ` +
            `SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], ` +
            `${RAW_COUNTER_NAMES.map((_, i) => `$${11 + i}::bigint[]`).join(", ")}) RETURNING "id", "ifindex", "endedAt"`,
          [
            column(rows, (r) => r.keyId),
            column(rows, (r) => r.kernelName),
            column(rows, (r) => r.ifindex),
            column(rows, (r) => r.domid),
            column(rows, (r) => r.mac),
            column(rows, (r) => r.bridge),
            column(rows, (r) => r.firstSeenAt),
            column(rows, (r) => r.lastSeenAt),
            column(rows, (r) => r.endedAt),
            column(rows, (r) => r.endReason),
            ...raws,
          ],
        );
        return (result.rows as Array<{ id: number; ifindex: number; endedAt: string | null }>).map((r) => ({
          id: Number(r.id),
          ifindex: Number(r.ifindex),
          open: r.endedAt === null,
        }));
      },
      async updateIncarnations(rows) {
        if (rows.length === 0) return;
        const raws = RAW_COUNTER_NAMES.map((name) => column(rows, (r) => toStoredRaw(r.raw[name])));
        await q(
          `UPDATE "AccountingIncarnation" i SET "kernelName" = t.kn, "lastSeenAt" = t.a, ${RAW_COLUMN_LIST.map((c, n) => `${c} = t.r${n}`).join(", ")} ` +
            `FROM unnest($1::int[], $2::text[], $3::bigint[], ${RAW_COUNTER_NAMES.map((_, n) => `$${4 + n}::bigint[]`).join(", ")}) ` +
            `AS t(id, kn, a, ${RAW_COUNTER_NAMES.map((_, n) => `r${n}`).join(", ")}) WHERE i."id" = t.id`,
          [column(rows, (r) => r.id), column(rows, (r) => r.kernelName), column(rows, (r) => r.at), ...raws],
        );
      },
      async addKeyTotals(rows) {
        if (rows.length === 0) return;
        const counters = KEY_COUNTER_NAMES.map((name) => column(rows, (r) => r.counters[name]));
        await q(
          `UPDATE "AccountingKey" k SET "lastSeenAt" = GREATEST(k."lastSeenAt", t.a), ${KEY_COUNTER_NAMES.map((name, n) => `"${name}" = k."${name}" + t.c${n}`).join(", ")} ` +
            `FROM unnest($1::int[], $2::bigint[], ${KEY_COUNTER_NAMES.map((_, n) => `$${3 + n}::bigint[]`).join(", ")}) ` +
            `AS t(id, a, ${KEY_COUNTER_NAMES.map((_, n) => `c${n}`).join(", ")}) WHERE k."id" = t.id`,
          [column(rows, (r) => r.keyId), column(rows, (r) => r.at), ...counters],
        );
      },
      async addBuckets(table, rows) {
        if (rows.length === 0) return;
        const t = checkedTable(table);
        const counters = KEY_COUNTER_NAMES.map((name) => column(rows, (r) => r.counters[name]));
        await q(
          `INSERT INTO "${t}" ("keyId", "start", ${COUNTER_COLUMN_LIST.join(", ")}) ` +
            `SELECT * FROM unnest($1::int[], $2::bigint[], ${KEY_COUNTER_NAMES.map((_, n) => `$${3 + n}::bigint[]`).join(", ")}) ` +
            `ON CONFLICT ${conflictTargetOf(t)} DO UPDATE SET ${COUNTER_COLUMN_LIST.map((c) => `${c} = "${t}".${c} + excluded.${c}`).join(", ")}`,
          [column(rows, (r) => r.keyId), column(rows, (r) => r.start), ...counters],
        );
      },
      async readBuckets(table, fromS, toS) {
        const t = checkedTable(table);
        const result = await q(`SELECT "keyId", "start", ${COUNTER_COLUMN_LIST.join(", ")} FROM "${t}" WHERE "start" >= $1 AND "start" < $2`, [fromS, toS]);
        return (result.rows as Array<Record<string, unknown>>).map(bucketRowOf);
      },
      async readFineAsFiveMin(fromS, toS) {
        const result = await q(FINE_AS_FIVE_MIN_SQL, [fromS, toS]);
        return (result.rows as Array<Record<string, unknown>>).map(fiveMinFromFineRowOf);
      },
      async deleteBucketsBefore(table, beforeS) {
        return (await q(`DELETE FROM "${checkedTable(table)}" WHERE "start" < $1`, [beforeS])).rowCount ?? 0;
      },
      async insertGaps(rows) {
        if (rows.length === 0) return;
        await q(`INSERT INTO "AccountingGap" ("fromAt", "toAt") SELECT * FROM unnest($1::bigint[], $2::bigint[])`, [
          column(rows, (r) => r.fromAt),
          column(rows, (r) => r.toAt),
        ]);
      },
      async insertEvents(rows) {
        if (rows.length === 0) return;
        await q(`INSERT INTO "AccountingEvent" ("at", "kind", "key", "detail") SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])`, [
          column(rows, (r) => r.at),
          column(rows, (r) => r.kind),
          column(rows, (r) => r.key),
          column(rows, (r) => r.detail),
        ]);
      },
      async saveCollector(row) {
        if (row.rawState) await q(SAVE_COLLECTOR_SQL.withRawState, [row.lastTickAt, row.updatedAt, row.rolledUpTo, row.hostname, bufferOf(row.rawState)]);
        else await q(SAVE_COLLECTOR_SQL.only, [row.lastTickAt, row.updatedAt, row.rolledUpTo, row.hostname]);
      },
      async deleteFinalSamples(ids) {
        if (ids.length === 0) return;
        await q(`DELETE FROM "AccountingFinalSample" WHERE "id" = ANY($1::int[])`, [ids]);
      },
      async all<T>(sql: string, params: unknown[] = []) {
        return (await q(sql, params)).rows as T[];
      },
      async run(sql, params = []) {
        return (await q(sql, params)).rowCount ?? 0;
      },
    };
  };

  let busy: Promise<unknown> = Promise.resolve();
  return {
    kind: "postgres",
    async transaction(work) {
      const run = async () => {
        const c = client ?? (await connect());
        await c.query("BEGIN");
        try {
          const result = await work(txOf(c));
          await c.query("COMMIT");
          return result;
        } catch (error) {
          await c.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
      };
      const next = busy.then(run, run);
      busy = next.catch(() => undefined);
      return next;
    },
    async read<T>(sql: string, params: unknown[] = []) {
      // Serialized with the transactions: a statement sent on this client mid-transaction would join it.
      const run = async () => ((await (client ?? (await connect())).query(sql, params)).rows as T[]);
      const next = busy.then(run, run);
      busy = next.catch(() => undefined);
      return next;
    },
    async close() {
      await busy;
      const c = client;
      client = null;
      connecting = null;
      await c?.end();
    },
  };
}
