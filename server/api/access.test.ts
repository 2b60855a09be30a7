import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AgentError } from "~/server/agent/client";
import { appRouter, createCaller } from "~/server/api/root";
import type { Context } from "~/server/api/trpc";
import { createApiToken } from "~/server/auth/api-tokens";
import { createAuth, type Auth } from "~/server/auth/auth";
import { resolvePrincipal } from "~/server/auth/principal";
import { ANONYMOUS, type Principal } from "~/server/auth/roles";
import { PEER_ADDRESS_HEADER } from "~/server/auth/source-address";
import { createUser } from "~/server/auth/users";
import { createTestDatabase, DB_KINDS, type TestDatabase } from "~/server/testing/databases";
import { createTestContext } from "~/server/testing/trpc-context";

/**
 * Who may call what, on the server, for every procedure of the app router (walked at run time,
 * so a new mutation is covered the day it is added): anonymous callers, viewers and read-only
 * tokens are refused every change, the agent is never reached, and each refusal is in the
 * audit log. On SQLite and PostgreSQL (users, tokens and the audit log are in the database).
 */

/** Mutations a viewer may call: pure checks that change nothing. Anything else must be admin-only. */
const VIEWER_MUTATIONS = new Set(["config.validate"]);

type ProcedureInfo = { path: string; type: "query" | "mutation" | "subscription"; access: string };

function listProcedures(): ProcedureInfo[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureInfo["type"]; meta?: { access?: string } } }>;
  return Object.entries(procedures).map(([path, procedure]) => ({
    path,
    type: procedure._def.type,
    access: procedure._def.meta?.access ?? "public",
  }));
}

/** Calls a procedure by its dotted path with a dummy input (refusals come before input checks). */
async function callByPath(ctx: Context, path: string, input: unknown = {}): Promise<unknown> {
  let target: unknown = createCaller(ctx);
  for (const key of path.split(".")) target = (target as Record<string, unknown>)[key];
  return (target as (input: unknown) => Promise<unknown>)(input);
}

async function expectTrpcError(promise: Promise<unknown>, code: TRPCError["code"]): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "the call should have been refused").toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
}

const mutations = listProcedures().filter((p) => p.type === "mutation");
const queries = listProcedures().filter((p) => p.type === "query");

describe("the app router's procedures", () => {
  it("has mutations to check", () => {
    expect(mutations.map((m) => m.path)).toEqual(expect.arrayContaining(["vif.attach", "vif.detach", "config.write", "user.create", "token.create"]));
  });

  it("makes every mutation admin-only, but for the listed pure checks", () => {
    for (const mutation of mutations) {
      const expected = VIEWER_MUTATIONS.has(mutation.path) ? "viewer" : "admin";
      expect(`${mutation.path}: ${mutation.access}`).toBe(`${mutation.path}: ${expected}`);
    }
  });

  it("lets nobody anonymous read anything but their own login state", () => {
    for (const query of queries) {
      if (query.path === "user.me") continue;
      expect(`${query.path}: ${query.access}`).not.toBe(`${query.path}: public`);
    }
  });
});

describe.each(DB_KINDS)("access control and audit on %s", (kind) => {
  let database: TestDatabase;
  let auth: Auth;
  let admin: Principal;
  let viewer: Principal;
  let readToken: string;
  let adminToken: string;
  const agentCalls: string[] = [];

  const contextFor = (principal: Principal, extra: Partial<Context> = {}): Context =>
    createTestContext({
      db: database.db,
      auth,
      principal,
      source: "192.0.2.7",
      callAgent: (op) => {
        agentCalls.push(op);
        return Promise.reject(new Error(`the agent must not be reached (${op})`));
      },
      ...extra,
    });

  const contextForToken = async (token: string): Promise<Context> => {
    const headers = new Headers({ authorization: `Bearer ${token}` });
    const { principal, via } = await resolvePrincipal(headers, { db: database.db, auth });
    return contextFor(principal, { headers, via });
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    auth = createAuth({
      db: database.db,
      kind,
      secret: "test-secret-test-secret-test-secret-0123",
      publicUrl: undefined,
      sessionTtlHours: 12,
      addressHeader: PEER_ADDRESS_HEADER,
    });
    const a = await createUser(auth, database.db, { username: "alice", password: "alice-password-1", role: "admin" });
    const v = await createUser(auth, database.db, { username: "victor", password: "victor-password-1", role: "viewer" });
    admin = { kind: "user", userId: a.id, username: a.username, role: "admin" };
    viewer = { kind: "user", userId: v.id, username: v.username, role: "viewer" };
    readToken = (await createApiToken(database.db, { name: "grafana", scope: "read", createdBy: "alice" })).token;
    adminToken = (await createApiToken(database.db, { name: "deploy", scope: "admin", createdBy: "alice" })).token;
  }, 60_000);

  afterAll(async () => {
    await database?.dispose();
  });

  it("refuses every mutation to anonymous callers (UNAUTHORIZED), without reaching the agent", async () => {
    const before = await database.db.auditEvent.count({ where: { outcome: "refused", actor: "anonymous" } });
    for (const mutation of mutations) await expectTrpcError(callByPath(contextFor(ANONYMOUS), mutation.path), "UNAUTHORIZED");
    expect(agentCalls).toEqual([]);
    const after = await database.db.auditEvent.count({ where: { outcome: "refused", actor: "anonymous" } });
    expect(after - before).toBe(mutations.length);
  });

  it("refuses every query but user.me to anonymous callers", async () => {
    for (const query of queries) {
      if (query.path === "user.me") continue;
      await expectTrpcError(callByPath(contextFor(ANONYMOUS), query.path), "UNAUTHORIZED");
    }
    expect(await callByPath(contextFor(ANONYMOUS), "user.me", undefined)).toBeNull();
  });

  it("refuses every admin mutation to a viewer (FORBIDDEN) and records each refusal", async () => {
    const adminMutations = mutations.filter((m) => m.access === "admin");
    for (const mutation of adminMutations) await expectTrpcError(callByPath(contextFor(viewer), mutation.path), "FORBIDDEN");
    expect(agentCalls).toEqual([]);
    const refused = await database.db.auditEvent.findMany({ where: { actor: "victor", outcome: "refused" } });
    expect(refused.map((e) => e.operation).sort()).toEqual(adminMutations.map((m) => m.path).sort());
    expect(refused.every((e) => e.source === "192.0.2.7" && e.userId === (viewer as { userId: string }).userId)).toBe(true);
    expect(refused.every((e) => e.error === "only an admin may do this")).toBe(true);
  });

  it("refuses every admin mutation to a read-only token, and everything to an unknown one", async () => {
    const readContext = await contextForToken(readToken);
    expect(readContext.principal).toMatchObject({ kind: "token", name: "grafana", scope: "read" });
    for (const mutation of mutations.filter((m) => m.access === "admin")) {
      await expectTrpcError(callByPath(readContext, mutation.path), "FORBIDDEN");
    }
    expect(await database.db.auditEvent.count({ where: { actor: "token:grafana", outcome: "refused" } })).toBeGreaterThan(0);
    // A read-only token reads.
    await expect(callByPath(readContext, "audit.list", { filter: {} })).resolves.toMatchObject({ events: expect.any(Array) });

    const unknown = await contextForToken(`vfd_${"A".repeat(43)}`);
    expect(unknown.principal.kind).toBe("anonymous");
    await expectTrpcError(callByPath(unknown, "vif.detach"), "UNAUTHORIZED");
    await expectTrpcError(callByPath(unknown, "audit.list", { filter: {} }), "UNAUTHORIZED");
    expect(agentCalls).toEqual([]);
  });

  it("lets an admin token act, and a revoked one no more", async () => {
    const context = await contextForToken(adminToken);
    const created = (await callByPath(context, "token.create", { name: "ci", scope: "read", expiresInDays: null })) as { token: string; record: { id: string } };
    expect(created.token).toMatch(/^vfd_/);
    const audit = await database.db.auditEvent.findFirstOrThrow({ where: { operation: "token.create", outcome: "ok" }, orderBy: { id: "desc" } });
    expect(audit.actor).toBe("token:deploy");
    expect(audit.target).toBe("ci");
    // The token is shown once, never logged.
    expect(audit.result).not.toContain(created.token);
    expect(audit.result).toContain("[redacted]");
    await callByPath(contextFor(admin), "token.revoke", { id: created.record.id });
    expect((await contextForToken(created.token)).principal.kind).toBe("anonymous");
  });

  it("refuses cookie-authenticated mutations from another site", async () => {
    await expectTrpcError(callByPath(contextFor(admin, { via: "session", crossSite: true }), "token.revoke", { id: "x" }), "FORBIDDEN");
    const event = await database.db.auditEvent.findFirstOrThrow({ where: { operation: "token.revoke" }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ actor: "alice", outcome: "refused", error: "cross-site request refused" });
  });

  it("records the agent's command line and exit status, on success and on failure", async () => {
    const attach = { domain: "web1", vif: { bridge: "xenbr0" }, persist: false };
    const ok = contextFor(admin, {
      callAgent: (() =>
        Promise.resolve({
          command: ["xl", "network-attach", "web1", "bridge=xenbr0"],
          exitCode: 0,
          domain: "web1",
          devid: 3,
          mac: "00:16:3e:00:00:01",
          kernelName: "vif7.3",
          warnings: [],
          persisted: null,
        })) as Context["callAgent"],
    });
    await callByPath(ok, "vif.attach", attach).catch(() => undefined);
    const success = await database.db.auditEvent.findFirstOrThrow({ where: { operation: "vif.attach", actor: "alice" }, orderBy: { id: "desc" } });
    expect(success).toMatchObject({ target: "web1", command: "xl network-attach web1 bridge=xenbr0", exitCode: 0 });
    expect(JSON.parse(success.params ?? "null")).toEqual(attach);

    const failing = contextFor(admin, {
      callAgent: (() =>
        Promise.reject(
          new TRPCError({
            code: "BAD_REQUEST",
            message: "xl: bridge xenbr9 does not exist",
            cause: new AgentError({ code: "COMMAND_FAILED", message: "bridge xenbr9 does not exist", command: ["xl", "network-detach", "web1", "2"], exitCode: 1 }),
          }),
        )) as Context["callAgent"],
    });
    await expectTrpcError(callByPath(failing, "vif.detach", { domain: "web1", devid: 2, persist: false }), "BAD_REQUEST");
    const failure = await database.db.auditEvent.findFirstOrThrow({ where: { operation: "vif.detach", actor: "alice" }, orderBy: { id: "desc" } });
    expect(failure).toMatchObject({
      outcome: "error",
      ok: false,
      target: "web1/2",
      command: "xl network-detach web1 2",
      exitCode: 1,
      error: "xl: bridge xenbr9 does not exist",
    });
  });

  it("redacts passwords from the audit log's parameters", async () => {
    await callByPath(contextFor(admin), "user.create", { username: "carol", password: "carol-password-1", role: "viewer" });
    const event = await database.db.auditEvent.findFirstOrThrow({ where: { operation: "user.create" }, orderBy: { id: "desc" } });
    expect(event.params).not.toContain("carol-password-1");
    expect(JSON.parse(event.params ?? "{}")).toEqual({ username: "carol", password: "[redacted]", role: "viewer" });
  });

  it("keeps the audit log append-only: the database refuses updates and deletes", async () => {
    const any = await database.db.auditEvent.findFirstOrThrow();
    await expect(database.db.auditEvent.update({ where: { id: any.id }, data: { actor: "mallory" } })).rejects.toThrow(/append-only/);
    await expect(database.db.auditEvent.deleteMany({})).rejects.toThrow(/append-only/);
    expect((await database.db.auditEvent.findUniqueOrThrow({ where: { id: any.id } })).actor).toBe(any.actor);
  });
});
