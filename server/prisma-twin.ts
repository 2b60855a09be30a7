/**
 * One Prisma schema cannot serve two providers, so the PostgreSQL schema is
 * derived from the SQLite one: same models, another provider and client folder.
 */
export function postgresTwinOf(sqliteSchema: string): string {
  const header =
    "// GENERATED from prisma/schema.prisma by `npm run db:generate`: do not edit.\n" +
    "// The PostgreSQL twin of the SQLite schema, with its own migrations folder.\n\n";
  const body = sqliteSchema
    .replace(/output\s*=\s*"\.\.\/server\/generated\/sqlite"/, 'output       = "../../server/generated/postgres"')
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"');
  if (body === sqliteSchema || !body.includes("generated/postgres") || !body.includes('"postgresql"')) {
    throw new Error("prisma/schema.prisma must have output = \"../server/generated/sqlite\" and provider = \"sqlite\"");
  }
  return header + body;
}
