import os from "node:os";

import { env } from "~/env";
import { db, dbKindOf } from "~/server/db";

import type { AccountingHttpDeps } from "./http";
import { accountingSettingsOf } from "./settings";

/** The web process's dependencies for the accounting endpoints (settings read once). */
let deps: AccountingHttpDeps | null = null;
export function accountingHttpDeps(): AccountingHttpDeps {
  deps ??= { db, kind: dbKindOf(env.DATABASE_URL), settings: accountingSettingsOf(env), hostname: os.hostname() };
  return deps;
}
