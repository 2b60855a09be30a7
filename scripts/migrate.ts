/**
 * Offline Prisma Migrate for vifdeck's two databases (see server/migrate.ts).
 *
 *   npm run db:migrate -- deploy                 apply pending migrations (also creates the SQLite file)
 *   npm run db:migrate -- dev --name <name>      create a migration from the schema diff, then apply it
 *   npm run db:migrate -- status                 show the migration history's state
 *   npm run db:migrate -- reset                  drop everything, then apply every migration
 *
 * The database is DATABASE_URL (file:… for SQLite, postgresql://… for PostgreSQL).
 * After editing prisma/schema.prisma: `npm run db:generate`, then `dev` once against
 * SQLite and once against PostgreSQL, so both migration histories move together.
 */
import { parseArgs } from "node:util";

import { env } from "~/env";
import { migrate, type MigrateCommand } from "~/server/migrate";

const COMMANDS: MigrateCommand[] = ["deploy", "dev", "status", "reset"];

const { positionals, values } = parseArgs({ allowPositionals: true, options: { name: { type: "string" } } });
const command = (positionals[0] ?? "deploy") as MigrateCommand;
if (!COMMANDS.includes(command)) {
  console.error(`unknown command "${command}": use one of ${COMMANDS.join(", ")}`);
  process.exit(2);
}
migrate(command, {
  databaseUrl: env.DATABASE_URL,
  ...(values.name ? { name: values.name } : {}),
  log: (line) => console.log(line),
}).then(
  (result) => {
    if (command === "status") console.log(JSON.stringify(result.status, null, 2));
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`migrate ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
