import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError } from "better-auth/api";
import { nextCookies } from "better-auth/next-js";
import { username } from "better-auth/plugins/username";

import { isCrossSiteRequest, readExpectedOrigin } from "~/server/auth/csrf";
import type { Db, DbKind } from "~/server/db";
import { logger } from "~/server/logger";

/**
 * Sign-in with username and password through better-auth and its Prisma
 * adapter. Sessions live in the database (no cookie cache, so a disabled user
 * or a revoked session is refused on the next request); the cookie
 * (`vifdeck.session_token`) is httpOnly, SameSite=Lax, signed with the auth
 * secret, and Secure when the public URL is https. Passwords are hashed with
 * scrypt (N=16384, r=16, p=1: 32 MiB per hash), better-auth's default.
 *
 * Sign-up is off: admins create users (server/auth/users.ts). The HTTP
 * surface is narrowed to sign-in, sign-out and get-session in the route
 * handler (app/api/auth/[...all]/route.ts).
 */
export type AuthOptions = {
  db: Db;
  kind: DbKind;
  secret: string;
  /** VIFDECK_PUBLIC_URL: the origin users open. Unset: taken from each request. */
  publicUrl: string | undefined;
  sessionTtlHours: number;
  /** The request header that carries the client's address (see server/auth/source-address.ts). */
  addressHeader: string;
  /** VIFDECK_TRUSTED_PROXY_HOPS: whether X-Forwarded-Host names the app's host. */
  trustedProxyHops?: number;
};

export const SESSION_COOKIE_PREFIX = "vifdeck";

export function createAuth(options: AuthOptions) {
  const ttlSeconds = options.sessionTtlHours * 3600;
  return betterAuth({
    appName: "vifdeck",
    secret: options.secret,
    ...(options.publicUrl ? { baseURL: options.publicUrl } : {}),
    // better-auth checks the Origin of cookie-carrying POSTs against these. Next.js hands route
    // handlers a URL with the host it was started on (localhost), not the one the browser used, so
    // without a public URL the trusted origin is the request's own Origin when it names the Host
    // the request was sent to — the same rule as vifdeck's own check (server/auth/csrf.ts).
    trustedOrigins: (request) => {
      const origin = request?.headers.get("origin");
      if (!request || !origin) return [];
      const expected = readExpectedOrigin(request.headers, options.publicUrl, options.trustedProxyHops ?? 0);
      return expected && !isCrossSiteRequest(request.headers, expected) ? [origin] : [];
    },
    basePath: "/api/auth",
    database: prismaAdapter(options.db, { provider: options.kind === "postgres" ? "postgresql" : "sqlite" }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 10, maxPasswordLength: 128 },
    // nextCookies last: it writes refreshed session cookies from route handlers (sliding expiry).
    plugins: [username({ minUsernameLength: 3, maxUsernameLength: 32 }), nextCookies()],
    user: {
      additionalFields: {
        role: { type: "string", required: false, defaultValue: "viewer", input: false },
        disabled: { type: "boolean", required: false, defaultValue: false, input: false },
      },
    },
    session: {
      expiresIn: ttlSeconds,
      // Sliding expiry: a session used within the TTL is extended, at most once an hour.
      updateAge: Math.min(3600, ttlSeconds),
      cookieCache: { enabled: false },
    },
    // vifdeck's own throttle (server/auth/login-throttle.ts) counts failures per username and address.
    rateLimit: { enabled: false },
    advanced: {
      cookiePrefix: SESSION_COOKIE_PREFIX,
      useSecureCookies: options.publicUrl?.startsWith("https://") ?? false,
      ipAddress: { ipAddressHeaders: [options.addressHeader] },
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax", path: "/" },
    },
    databaseHooks: {
      session: {
        create: {
          // A disabled user gets no session, whatever the password says.
          before: async (session) => {
            const user = await options.db.user.findUnique({ where: { id: session.userId }, select: { disabled: true } });
            if (!user || user.disabled) throw new APIError("FORBIDDEN", { message: "This account is disabled." });
            return { data: session };
          },
        },
      },
    },
    telemetry: { enabled: false },
    logger: {
      level: "warn",
      log: (level, message, ...args) => {
        // Intended: without VIFDECK_PUBLIC_URL the origin is the request's (documented in .env.example).
        if (message.includes("Base URL is not set")) return;
        // Failed sign-ins are in the audit log already.
        const quiet = message === "Invalid password" || message === "User not found";
        logger[quiet ? "debug" : level]({ component: "better-auth", args }, message);
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
