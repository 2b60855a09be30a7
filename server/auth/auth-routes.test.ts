import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createAuth, type Auth } from "~/server/auth/auth";
import { handleAuthRequest, type AuthRouteDeps } from "~/server/auth/auth-routes";
import { resolvePrincipal } from "~/server/auth/principal";
import { PEER_ADDRESS_HEADER } from "~/server/auth/source-address";
import { createUser, resetUserPassword, setUserDisabled } from "~/server/auth/users";
import { createTestDatabase, DB_KINDS, type TestDatabase } from "~/server/testing/databases";

/**
 * better-auth with its Prisma adapter on Prisma 7's generated clients, through vifdeck's
 * narrowed /api/auth routes: sign-in by username, the session cookie, sign-out, disabled
 * users, scrypt hashes, and the login throttle (per username and per address), on SQLite and
 * PostgreSQL.
 */
const ORIGIN = "http://vifdeck.test:3000";

describe.each(DB_KINDS)("sign-in through better-auth on %s", (kind) => {
  let database: TestDatabase;
  let auth: Auth;
  let deps: AuthRouteDeps;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    handleAuthRequest(
      new Request(`${ORIGIN}/api/auth${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN, host: "vifdeck.test:3000", [PEER_ADDRESS_HEADER]: "198.51.100.1", ...headers },
        body: JSON.stringify(body),
      }),
      deps,
    );
  const signIn = (username: string, password: string, address = "198.51.100.1") =>
    post("/sign-in/username", { username, password }, { [PEER_ADDRESS_HEADER]: address });
  const cookieOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");

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
    deps = { auth, db: database.db, throttle: { windowMinutes: 15, maxPerUser: 5, maxPerAddress: 12 }, trustedProxyHops: 0, publicUrl: undefined };
    await createUser(auth, database.db, { username: "alice", password: "alice-password-1", role: "admin" });
    await createUser(auth, database.db, { username: "victor", password: "victor-password-1", role: "viewer" });
  }, 60_000);

  afterAll(async () => {
    await database?.dispose();
  });

  it("stores scrypt hashes, never the password", async () => {
    const account = await database.db.account.findFirstOrThrow({ where: { user: { username: "alice" }, providerId: "credential" } });
    expect(account.password).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/);
    expect(account.password).not.toContain("alice-password-1");
  });

  it("signs in by username, sets an httpOnly SameSite=Lax cookie with an expiry, and signs out", async () => {
    const response = await signIn("Victor", "victor-password-1");
    expect(response.status).toBe(200);
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith("vifdeck.session_token="));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Max-Age=43200/);
    expect(setCookie).not.toMatch(/Secure/i); // http, no VIFDECK_PUBLIC_URL
    const cookie = cookieOf(response);
    const { principal } = await resolvePrincipal(new Headers({ cookie }), { db: database.db, auth });
    expect(principal).toMatchObject({ kind: "user", username: "victor", role: "viewer" });
    const session = await database.db.session.findFirstOrThrow({ where: { user: { username: "victor" } } });
    expect(session.expiresAt.getTime() - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    expect(session.ipAddress).toBe("198.51.100.1");

    const out = await post("/sign-out", {}, { cookie });
    expect(out.status).toBe(200);
    expect((await resolvePrincipal(new Headers({ cookie }), { db: database.db, auth })).principal.kind).toBe("anonymous");
    const events = await database.db.auditEvent.findMany({ where: { operation: { in: ["auth.signIn", "auth.signOut"] }, target: "victor" } });
    expect(events.map((e) => `${e.operation} ${e.outcome}`)).toEqual(["auth.signIn ok", "auth.signOut ok"]);
  });

  it("signs out although Next.js hands the route a URL with another host than the browser used", async () => {
    const cookie = cookieOf(await signIn("victor", "victor-password-1"));
    const response = await handleAuthRequest(
      new Request("http://localhost:3000/api/auth/sign-out", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000", "sec-fetch-site": "same-origin", cookie },
        body: "{}",
      }),
      deps,
    );
    expect(response.status).toBe(200);
    expect((await resolvePrincipal(new Headers({ cookie }), { db: database.db, auth })).principal.kind).toBe("anonymous");
    // …but not for an Origin that is not the Host.
    const other = cookieOf(await signIn("victor", "victor-password-1"));
    const refused = await handleAuthRequest(
      new Request("http://localhost:3000/api/auth/sign-out", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "http://evil.test", host: "127.0.0.1:3000", cookie: other },
        body: "{}",
      }),
      deps,
    );
    expect(refused.status).toBe(403);
  });

  it("sets Secure cookies when the public URL is https", async () => {
    const secureAuth = createAuth({
      db: database.db,
      kind,
      secret: "test-secret-test-secret-test-secret-0123",
      publicUrl: "https://vifdeck.test",
      sessionTtlHours: 1,
      addressHeader: PEER_ADDRESS_HEADER,
    });
    const response = await handleAuthRequest(
      new Request("https://vifdeck.test/api/auth/sign-in/username", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://vifdeck.test" },
        body: JSON.stringify({ username: "alice", password: "alice-password-1" }),
      }),
      { ...deps, auth: secureAuth, publicUrl: "https://vifdeck.test" },
    );
    expect(response.status).toBe(200);
    const setCookie = response.headers.getSetCookie().find((c) => c.includes("vifdeck.session_token="));
    expect(setCookie).toMatch(/^__Secure-vifdeck\.session_token=/);
    expect(setCookie).toMatch(/; Secure/i);
  });

  it("refuses a disabled user, and a reset password replaces the old one", async () => {
    const carol = await createUser(auth, database.db, { username: "carol", password: "carol-password-1", role: "viewer" });
    await setUserDisabled(database.db, carol.id, true);
    expect((await signIn("carol", "carol-password-1", "203.0.113.50")).status).toBe(403);
    await setUserDisabled(database.db, carol.id, false);
    await resetUserPassword(auth, database.db, carol.id, "carol-password-2");
    expect((await signIn("carol", "carol-password-1", "203.0.113.50")).status).toBe(401);
    expect((await signIn("carol", "carol-password-2", "203.0.113.50")).status).toBe(200);
  });

  it("answers 404 for the routes vifdeck does not use (sign-up, profile changes)", async () => {
    expect((await post("/sign-up/email", { email: "m@x.test", password: "mallory-password", name: "m" })).status).toBe(404);
    expect((await post("/update-user", { name: "x" })).status).toBe(404);
    expect((await post("/change-password", {})).status).toBe(404);
  });

  it("refuses sign-ins from another site", async () => {
    const response = await post("/sign-in/username", { username: "alice", password: "alice-password-1" }, { origin: "https://evil.test", "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(403);
  });

  it("throttles a brute-force loop on one username, even from many addresses, and records it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await signIn("alice", `wrong-password-${i}`, `192.0.2.${i + 1}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // The right password is refused too while the throttle holds (it is not even checked).
    const blocked = await signIn("alice", "alice-password-1", "192.0.2.99");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(800);
    expect(await blocked.json()).toMatchObject({ code: "TOO_MANY_ATTEMPTS", message: expect.stringContaining("for this user") });
    // Another user is not affected.
    expect((await signIn("victor", "victor-password-1", "192.0.2.100")).status).toBe(200);
    const refused = await database.db.auditEvent.count({ where: { operation: "auth.signIn", target: "alice", outcome: "refused" } });
    expect(refused).toBe(9);
    const throttled = await database.db.auditEvent.count({ where: { operation: "auth.signIn", target: "alice", error: "throttled (username)" } });
    expect(throttled).toBe(4);
  });

  it("throttles one address that tries many usernames", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await signIn(`guess${i}`, "password-guess", "203.0.113.9")).status);
    expect(statuses.slice(0, 12).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(12)).toEqual([429, 429]);
    const response = await signIn("victor", "victor-password-1", "203.0.113.9");
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ message: expect.stringContaining("from this address") });
    // The same user from elsewhere still gets in.
    expect((await signIn("victor", "victor-password-1", "203.0.113.10")).status).toBe(200);
  });
});
