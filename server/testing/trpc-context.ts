import type { Context } from "~/server/api/trpc";
import type { Auth } from "~/server/auth/auth";
import type { Principal } from "~/server/auth/roles";
import type { Db } from "~/server/db";

/**
 * A tRPC context for tests (createCaller): an admin by default, no database
 * unless one is given (then audit events of mutations go nowhere), and an agent
 * that refuses unless the test passes its own `callAgent`.
 */
export const TEST_ADMIN: Principal = { kind: "user", userId: "test-admin", username: "test-admin", role: "admin" };
export const TEST_VIEWER: Principal = { kind: "user", userId: "test-viewer", username: "test-viewer", role: "viewer" };

export function createTestContext(overrides: Partial<Context> = {}): Context {
  const principal = overrides.principal ?? TEST_ADMIN;
  return {
    headers: new Headers(),
    db: overrides.db ?? createNullDb(),
    auth: overrides.auth ?? (new Proxy({}, { get: () => { throw new Error("no auth in this test context: pass one"); } }) as Auth),
    principal,
    via: principal.kind === "token" ? "token" : principal.kind === "user" ? "session" : "none",
    source: "127.0.0.1",
    crossSite: false,
    callAgent: () => Promise.reject(new Error("no agent in this test context: pass callAgent")),
    ...overrides,
  };
}

/** A Db whose audit log accepts and forgets; anything else throws. */
function createNullDb(): Db {
  const auditEvent = {
    create: ({ data }: { data: Record<string, unknown> }) =>
      Promise.resolve({ id: 1, userId: null, tokenId: null, source: null, target: null, params: null, command: null, exitCode: null, result: null, error: null, ...data }),
  };
  return new Proxy({ auditEvent } as object, {
    get: (target, key) => {
      if (key in target) return (target as Record<PropertyKey, unknown>)[key];
      if (key === "then") return undefined;
      throw new Error(`no database in this test context (db.${String(key)}): pass one from server/testing/databases.ts`);
    },
  }) as Db;
}
