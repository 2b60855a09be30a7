import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";

import { isPostgresUrl, pgConfigOf, sqliteFileOf } from "./db-url";

/**
 * Prisma Migrate without Prisma's native schema engine, whose download host a
 * firewalled dom0 cannot reach: the Wasm build of the schema engine
 * (@prisma/schema-engine-wasm) driven through the same driver adapters the
 * application uses. It reads and writes Prisma's standard artifacts
 * (prisma/…/migrations/<ts>_<name>/migration.sql, migration_lock.toml, the
 * _prisma_migrations table), so `prisma migrate deploy` elsewhere agrees.
 *
 * Each work-around below is for a defect met on Prisma 7.10 with these
 * adapters; each says which.
 */

export type MigrateCommand = "deploy" | "dev" | "status" | "reset";

export type MigrateOptions = {
  databaseUrl: string;
  /** Defaults: prisma/schema.prisma for SQLite, prisma/postgres/schema.prisma for PostgreSQL. */
  schemaPath?: string;
  /** Defaults to `migrations` beside the schema. */
  migrationsDir?: string;
  /** For `dev`: the new migration's name. */
  name?: string;
  log?: (line: string) => void;
};

export type MigrateResult = { applied: string[]; created: string | null; status: unknown };

const require = createRequire(import.meta.url);

// Kept importable from here for the migration scripts; the definitions live in ./db-url.
export { isPostgresUrl, pgConfigOf, sqliteFileOf };

/** The schema file and migrations folder for a database URL. */
export function schemaPathsFor(databaseUrl: string, root = process.cwd()) {
  const schemaPath = path.join(root, isPostgresUrl(databaseUrl) ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma");
  return { schemaPath, migrationsDir: path.join(path.dirname(schemaPath), "migrations") };
}

/**
 * The SQLite file holds password hashes, sessions and the audit log: readable by the service
 * user only. Created empty with mode 0600 (an empty file is an empty database), or tightened to
 * 0600 if it exists; SQLite gives its -wal and -shm files the database file's mode.
 */
async function restrictSqliteFile(file: string): Promise<void> {
  const handle = await fs.open(file, "a", 0o600);
  try {
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
}

type SchemaEngine = {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  devDiagnostic(input: unknown): Promise<{ action: { tag: string; reason?: string } }>;
  evaluateDataLoss(input: unknown): Promise<{ warnings: { message: string }[]; unexecutableSteps: { message: string }[] }>;
  createMigration(input: unknown): Promise<{ migrationScript: string | null; generatedMigrationName: string; extension: string; connectorType: string }>;
  diagnoseMigrationHistory(input: unknown): Promise<unknown>;
  free(): void;
};
type SchemaEngineClass = {
  new: (config: unknown, log: (message: string) => void, adapter: unknown) => Promise<SchemaEngine>;
};

let schemaEngineClass: Promise<SchemaEngineClass> | null = null;

/**
 * The Wasm module is instantiated once per process: its JS glue caches views of the module's
 * memory, so a second instance behind the same glue would decode garbage.
 */
function loadSchemaEngineClass(): Promise<SchemaEngineClass> {
  schemaEngineClass ??= instantiateSchemaEngine();
  return schemaEngineClass;
}

async function instantiateSchemaEngine(): Promise<SchemaEngineClass> {
  const registry = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
  registry.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: "",
    set_message(this: { message: string }, message: string) {
      this.message = `RuntimeError: ${message}`;
    },
  };
  const runtime = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as {
    __wbg_set_wasm(exports: WebAssembly.Exports): void;
    SchemaEngine: SchemaEngineClass;
  };
  const wasmPath = path.join(
    path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
    "schema_engine_bg.wasm",
  );
  const module = new WebAssembly.Module(await fs.readFile(wasmPath));
  const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": runtime as unknown as WebAssembly.ModuleImports });
  runtime.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return runtime.SchemaEngine;
}

async function createAdapterFactory(url: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  if (url.startsWith("file:")) {
    const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
    return new PrismaBetterSqlite3({ url });
  }
  if (!isPostgresUrl(url)) throw new Error(`unsupported DATABASE_URL "${url}": use file:… or postgresql://…`);
  const { default: pg } = await import("pg");
  // The engine's catalog queries return PostgreSQL's internal "char" type (OID 18), which
  // @prisma/adapter-pg cannot deserialize: report those columns as text (OID 25).
  const result = pg.Result.prototype as unknown as { addFields(fields: { dataTypeID: number }[]): void; __vifdeckPatched?: boolean };
  if (!result.__vifdeckPatched) {
    const addFields = result.addFields;
    result.addFields = function (this: unknown, fields) {
      for (const field of fields) if (field.dataTypeID === 18) field.dataTypeID = 25;
      addFields.call(this, fields);
    };
    result.__vifdeckPatched = true;
  }
  const { PrismaPg } = await import("@prisma/adapter-pg");
  // Discrete fields, not a connectionString: the adapter opens the shadow database with
  // { ...config, database }, and a connectionString would override that database name.
  const config = pgConfigOf(url);
  const factory = new PrismaPg(config);
  // PrismaPg drops the shadow database while its own pool is still connected: close the pool first.
  factory.connectToShadowDb = async () => {
    const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client(config);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const connection = await new PrismaPg({ ...config, database: name }).connect();
    const dispose = connection.dispose.bind(connection);
    connection.dispose = async () => {
      await dispose();
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      await admin.end();
    };
    return connection;
  };
  return factory;
}

/**
 * The engine replays migration.sql files on the shadow database through executeRaw(), which runs
 * one statement only (better-sqlite3: "contains more than one statement"). There, parameterless
 * executeRaw() goes through executeScript(); on the main database only as a fallback after that error.
 */
type Connection = Awaited<ReturnType<SqlMigrationAwareDriverAdapterFactory["connect"]>>;

function withScriptFallback(
  factory: SqlMigrationAwareDriverAdapterFactory,
  opened: Connection[],
): SqlMigrationAwareDriverAdapterFactory {
  const patch = (connect: () => Promise<Connection>, shadow: boolean) => async () => {
    const connection = await connect();
    if (!shadow) opened.push(connection);
    const executeRaw = connection.executeRaw.bind(connection);
    connection.executeRaw = async (query) => {
      if (shadow && query.args.length === 0) {
        await connection.executeScript(query.sql);
        return 0;
      }
      try {
        return await executeRaw(query);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (query.args.length > 0 || !/more than one statement|multiple commands/i.test(message)) throw error;
        await connection.executeScript(query.sql);
        return 0;
      }
    };
    return connection;
  };
  factory.connect = patch(factory.connect.bind(factory), false);
  factory.connectToShadowDb = patch(factory.connectToShadowDb.bind(factory), true);
  return factory;
}

/** The migrations folder, listed the way @prisma/migrate lists it. */
async function listMigrations(baseDir: string) {
  const lockContent = await fs.readFile(path.join(baseDir, "migration_lock.toml"), "utf8").catch(() => null);
  const entries = await fs.readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const content = await fs.readFile(path.join(baseDir, entry.name, "migration.sql"), "utf8").then(
      (value) => ({ tag: "ok" as const, value }),
      (error: unknown) => ({ tag: "error" as const, value: String(error) }),
    );
    migrationDirectories.push({ path: entry.name, migrationFile: { path: "migration.sql", content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return { baseDir, lockfile: { path: "migration_lock.toml", content: lockContent }, shadowDbInitScript: "", migrationDirectories };
}

/** P1014 with better-sqlite3 and pg: the _prisma_migrations table does not exist yet. */
function isMissingMigrationsTable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return e?.code === "P1014" || /no such table: _prisma_migrations|relation "_prisma_migrations" does not exist/.test(String(e?.message));
}

export async function migrate(command: MigrateCommand, options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const defaults = schemaPathsFor(options.databaseUrl);
  const schemaPath = path.resolve(options.schemaPath ?? defaults.schemaPath);
  const migrationsDir = path.resolve(options.migrationsDir ?? path.join(path.dirname(schemaPath), "migrations"));
  const schemaContent = await fs.readFile(schemaPath, "utf8");
  const schema = { files: [{ path: schemaPath, content: schemaContent }] };
  const filters = { externalTables: [], externalEnums: [] };

  if (options.databaseUrl.startsWith("file:")) {
    await fs.mkdir(path.dirname(sqliteFileOf(options.databaseUrl)), { recursive: true });
    if (command === "reset") {
      // The engine's SQLite reset rewrites sqlite_master, which better-sqlite3's defensive mode
      // blocks: delete the database file instead.
      const file = sqliteFileOf(options.databaseUrl);
      for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) await fs.rm(f, { force: true });
      command = "deploy";
    }
    await restrictSqliteFile(sqliteFileOf(options.databaseUrl));
  }

  const SchemaEngine = await loadSchemaEngineClass();
  // The engine does not close the main connection when it is freed: keep it, to close it ourselves
  // (an open SQLite connection would hold the file's lock against the application).
  const opened: Connection[] = [];
  const adapter = bindMigrationAwareSqlAdapterFactory(withScriptFallback(await createAdapterFactory(options.databaseUrl), opened));
  // Errors thrown inside the adapter stay in its registry; the engine only says "External error id#N".
  const explain = (error: unknown): Error => {
    const e = error instanceof Error ? error : new Error(String(error));
    const id = /External error id#(\d+)/.exec(e.message)?.[1];
    const cause = id !== undefined ? adapter.errorRegistry.consumeError(Number(id))?.error : undefined;
    if (cause) e.message += `\nCaused by: ${cause instanceof Error ? cause.message : JSON.stringify(cause)}`;
    return e;
  };
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, schemaContent]] }, () => {}, adapter).catch((e: unknown) => {
    throw explain(e);
  });
  const run = async <T>(step: () => Promise<T>): Promise<T> => step().catch((e: unknown) => Promise.reject(explain(e)));
  const apply = async () => {
    const migrationsList = await listMigrations(migrationsDir);
    const { appliedMigrationNames } = await run(() => engine.applyMigrations({ migrationsList, filters }));
    log(appliedMigrationNames.length ? `Applied: ${appliedMigrationNames.join(", ")}` : "No pending migrations to apply.");
    return appliedMigrationNames;
  };

  try {
    switch (command) {
      case "reset":
      case "deploy":
        return { applied: await apply(), created: null, status: null };
      case "status": {
        const migrationsList = await listMigrations(migrationsDir);
        const status = await run(() =>
          engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters }),
        ).catch((error: unknown) => {
          if (!isMissingMigrationsTable(error)) throw error;
          return { hasMigrationsTable: false, pending: migrationsList.migrationDirectories.map((d) => d.path) };
        });
        return { applied: [], created: null, status };
      }
      case "dev": {
        // devDiagnostic builds the history's schema in a shadow database and must run first; on a
        // database without _prisma_migrations it fails (P1014), so create that table and retry.
        const diagnose = async () => run(async () => engine.devDiagnostic({ migrationsList: await listMigrations(migrationsDir), filters }));
        const diagnostic = await diagnose().catch(async (error: unknown) => {
          if (!isMissingMigrationsTable(error)) throw error;
          await apply();
          return diagnose();
        });
        if (diagnostic.action.tag === "reset") {
          throw new Error(`the database needs a reset (${diagnostic.action.reason ?? "drift"}): run "reset" (drops all data) and retry`);
        }
        const applied = await apply();
        const loss = await run(async () => engine.evaluateDataLoss({ migrationsList: await listMigrations(migrationsDir), schema, filters }));
        for (const warning of loss.warnings) log(`Warning: ${warning.message}`);
        if (loss.unexecutableSteps.length > 0) throw new Error(loss.unexecutableSteps.map((s) => s.message).join("\n"));
        const out = await run(async () =>
          engine.createMigration({
            draft: false,
            migrationName: options.name ?? "migration",
            migrationsList: await listMigrations(migrationsDir),
            schema,
            filters,
          }),
        );
        if (out.migrationScript === null) {
          log("Already in sync: no schema change and no pending migration.");
          return { applied, created: null, status: null };
        }
        const dir = path.join(migrationsDir, out.generatedMigrationName);
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(path.join(dir, `migration.${out.extension}`), out.migrationScript);
        await fs.writeFile(
          path.join(migrationsDir, "migration_lock.toml"),
          `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${out.connectorType}"\n`,
        );
        log(`Created ${path.relative(process.cwd(), dir)}/migration.${out.extension}`);
        return { applied: [...applied, ...(await apply())], created: out.generatedMigrationName, status: null };
      }
    }
  } finally {
    engine.free();
    await Promise.all(opened.map((connection) => connection.dispose().catch(() => {})));
  }
}
