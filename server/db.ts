import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

import { env } from "~/env";
import { PrismaClient as PostgresClient } from "~/server/generated/postgres/client";
import { PrismaClient as SqliteClient } from "~/server/generated/sqlite/client";
import { isPostgresUrl, sqliteFileOf } from "~/server/db-url";

/**
 * The Prisma client for the configured database: SQLite (a file, the default)
 * or PostgreSQL, chosen from DATABASE_URL at run time. Both clients are
 * generated from the same models, so one type serves both.
 */
export type Db = SqliteClient;

export type DbKind = "sqlite" | "postgres";

export function dbKindOf(url: string): DbKind {
  return isPostgresUrl(url) ? "postgres" : "sqlite";
}

export function createDb(url: string): Db {
  if (isPostgresUrl(url)) {
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
  }
  // Wait up to 5 s for a lock the other process (collector or web) holds, rather than fail at once.
  return new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: `file:${sqliteFileOf(url)}`, timeout: 5_000 }) });
}

/** Database settings that must hold for every connection's lifetime (SQLite: WAL, so readers never block the writer). */
/**
 * Pages SQLite's write-ahead log may hold before the connection that commits
 * copies them into the database (4 KB each: up to ~40 MB), on every connection
 * (this client's and the collector's, tick-writer.ts). The collector's
 * maintenance checkpoints every 5 minutes anyway. SQLite's default, 1,000,
 * made the collector checkpoint every dozen ticks and after each rollup,
 * copying again the pages a tick rewrites every time (its collector row, the
 * last pages of the fine buckets); a checkpoint copies each page once
 * however often it was written. Measured at 2,000 interfaces every 5 s: the
 * rollup's CPU 570–910 → 280 ms, the whole tick 59–67 → 54 ms.
 */
export const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000;

export async function prepareDb(db: Db, url: string): Promise<void> {
  if (dbKindOf(url) === "sqlite") {
    await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    await db.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
    await db.$queryRawUnsafe(`PRAGMA wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
  }
}

const globalForDb = globalThis as { vifdeckDb?: Db };

/** The process's shared client (kept across Next.js dev reloads). */
export const db: Db = globalForDb.vifdeckDb ?? createDb(env.DATABASE_URL);
if (env.NODE_ENV !== "production") globalForDb.vifdeckDb = db;
