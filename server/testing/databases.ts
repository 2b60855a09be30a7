import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import pg from "pg";

import { createDb, prepareDb, type Db, type DbKind } from "~/server/db";
import { migrate, pgConfigOf } from "~/server/migrate";

/**
 * Fresh, migrated databases for tests: a SQLite file in a temp folder and a
 * new database on the PostgreSQL server at TEST_POSTGRES_URL (default: the
 * `test` database on 127.0.0.1:5432, which `npm run test:all` starts where it
 * is missing). Each test file gets its own, dropped in `dispose()`.
 */
export type TestDatabase = { kind: DbKind; url: string; db: Db; dispose(): Promise<void> };

// Tests may read process.env directly: they are not the product.
const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === "sqlite") {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-db-"));
    const url = `file:${path.join(dir, "test.db")}`;
    await migrate("deploy", { databaseUrl: url });
    const db = createDb(url);
    await prepareDb(db, url);
    return {
      kind,
      url,
      db,
      dispose: async () => {
        await db.$disconnect();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `vifdeck_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = new pg.Client(pgConfigOf(POSTGRES_ADMIN_URL));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const target = new URL(POSTGRES_ADMIN_URL);
  target.pathname = `/${name}`;
  const url = target.toString();
  await migrate("deploy", { databaseUrl: url });
  const db = createDb(url);
  return {
    kind,
    url,
    db,
    dispose: async () => {
      await db.$disconnect();
      const cleanup = new pg.Client(pgConfigOf(POSTGRES_ADMIN_URL));
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export const DB_KINDS: DbKind[] = ["sqlite", "postgres"];
