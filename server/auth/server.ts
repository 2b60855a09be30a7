import { env } from "~/env";
import { db, dbKindOf } from "~/server/db";

import { createAuth, type Auth } from "./auth";
import type { LoginThrottleSettings } from "./login-throttle";
import { resolvePrincipal } from "./principal";
import { isAdmin, type Principal, type TTokenScope } from "./roles";
import { readAuthSecret } from "./secret";
import { PEER_ADDRESS_HEADER } from "./source-address";

/**
 * The web process's auth singletons, built from env.ts on first use (so
 * importing this module reads no secret): better-auth over the shared Prisma
 * client, and the login throttle's settings.
 */
const globalForAuth = globalThis as { vifdeckAuth?: Auth };

export function getAuth(): Auth {
  globalForAuth.vifdeckAuth ??= createAuth({
    db,
    kind: dbKindOf(env.DATABASE_URL),
    secret: readAuthSecret({ secret: env.VIFDECK_AUTH_SECRET, file: env.VIFDECK_AUTH_SECRET_FILE }),
    publicUrl: env.VIFDECK_PUBLIC_URL,
    sessionTtlHours: env.VIFDECK_SESSION_TTL_H,
    addressHeader: PEER_ADDRESS_HEADER,
    trustedProxyHops: env.VIFDECK_TRUSTED_PROXY_HOPS,
  });
  return globalForAuth.vifdeckAuth;
}

export function readLoginThrottleSettings(): LoginThrottleSettings {
  return {
    windowMinutes: env.VIFDECK_LOGIN_THROTTLE_WINDOW_MIN,
    maxPerUser: env.VIFDECK_LOGIN_MAX_FAILURES_PER_USER,
    maxPerAddress: env.VIFDECK_LOGIN_MAX_FAILURES_PER_ADDRESS,
  };
}

/** The signed-in principal of a page or route request. */
export async function readPrincipal(headers: Headers): Promise<Principal> {
  return (await resolvePrincipal(headers, { db, auth: getAuth() })).principal;
}

export type ApiAuthorization = { ok: true; principal: Principal } | { ok: false; response: Response };

/**
 * For route handlers outside tRPC (/api/metrics, /api/export, the audit CSV):
 * an API token (`Authorization: Bearer vfd_…`) or a signed-in session, with at
 * least `scope` (read: any token or user; admin: an admin user or admin token).
 * Otherwise a 401 (nobody) or 403 (not enough) response to return as is.
 */
export async function verifyApiToken(request: Request, scope: TTokenScope): Promise<ApiAuthorization> {
  const { principal } = await resolvePrincipal(request.headers, { db, auth: getAuth() });
  if (principal.kind === "anonymous") {
    return {
      ok: false,
      response: new Response("unauthorized: send Authorization: Bearer <API token> (Settings → API tokens)\n", {
        status: 401,
        headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="vifdeck"', "cache-control": "no-store" },
      }),
    };
  }
  if (scope === "admin" && !isAdmin(principal)) {
    return {
      ok: false,
      response: new Response("forbidden: this needs an admin token\n", {
        status: 403,
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
      }),
    };
  }
  return { ok: true, principal };
}
