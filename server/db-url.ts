import path from "node:path";

/** What a DATABASE_URL names: a SQLite file (`file:…`) or a PostgreSQL server. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** The path of a `file:` SQLite URL, resolved against the working directory as Prisma does. */
export function sqliteFileOf(databaseUrl: string): string {
  return path.resolve(databaseUrl.slice("file:".length).replace(/\?.*$/, ""));
}

export function pgConfigOf(url: string) {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname) || undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    user: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    ...Object.fromEntries(parsed.searchParams),
  };
}

