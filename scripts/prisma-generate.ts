/**
 * Writes prisma/postgres/schema.prisma from prisma/schema.prisma (the SQLite schema, the one
 * to edit) and generates both Prisma clients. With --check, only verifies that the twin is
 * up to date (the tests call it that way).
 *
 * PRISMA_SCHEMA_ENGINE_BINARY=/bin/false keeps `prisma generate` from downloading the native
 * schema engine, which it does not need (the client uses the Wasm query compiler).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

import { postgresTwinOf } from "~/server/prisma-twin";

const root = process.cwd();
const sqliteSchema = path.join(root, "prisma/schema.prisma");
const postgresSchema = path.join(root, "prisma/postgres/schema.prisma");

const twin = postgresTwinOf(fs.readFileSync(sqliteSchema, "utf8"));
if (process.argv.includes("--check")) {
  const current = fs.existsSync(postgresSchema) ? fs.readFileSync(postgresSchema, "utf8") : "";
  if (current !== twin) {
    console.error("prisma/postgres/schema.prisma is out of date: run `npm run db:generate`");
    process.exit(1);
  }
  console.log("prisma/postgres/schema.prisma is up to date");
  process.exit(0);
}
fs.mkdirSync(path.dirname(postgresSchema), { recursive: true });
fs.writeFileSync(postgresSchema, twin);
for (const schema of [sqliteSchema, postgresSchema]) {
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["generate", "--schema", schema], {
    stdio: "inherit",
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
}
