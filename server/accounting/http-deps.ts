import os from "node:os";

import { env } from "~/env";
import { verifyApiToken } from "~/server/auth/server";
import { db, dbKindOf } from "~/server/db";

import type { AccountingHttpDeps } from "./http";
import { accountingSettingsOf } from "./settings";

/** The web process's dependencies for the accounting endpoints (settings read once). */
let deps: AccountingHttpDeps | null = null;
export function accountingHttpDeps(): AccountingHttpDeps {
  deps ??= {
    db,
    kind: dbKindOf(env.DATABASE_URL),
    settings: accountingSettingsOf(env),
    hostname: os.hostname(),
    // API tokens (read scope is enough) and signed-in sessions.
    authorize: async (request) => {
      const verdict = await verifyApiToken(request, "read");
      return verdict.ok ? null : verdict.response;
    },
  };
  return deps;
}
