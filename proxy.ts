import { NextResponse, type NextRequest } from "next/server";

import { env } from "~/env";
import { formatContentSecurityPolicy, SESSION_COOKIE_NAMES } from "~/server/auth/security-headers";

/**
 * Runs before every page and API route (Next.js 16's proxy, formerly
 * middleware). An optimistic check only — whether a session cookie or a
 * bearer token is present; the real checks are in the tRPC procedure builders,
 * the route handlers and the root layout:
 *
 * - pages without a session cookie redirect to /login (?next= the page);
 * - API routes without credentials answer 401, except /api/health, /api/auth
 *   (sign-in itself) and /api/trpc (tRPC answers 401 itself and records
 *   refused mutations in the audit log);
 * - pages get a fresh nonce and their Content-Security-Policy (Next.js adds
 *   the nonce to its own scripts when it finds the policy on the request).
 */
const OPEN_API_PREFIXES = ["/api/health", "/api/auth/", "/api/trpc/"];

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const hasSession = SESSION_COOKIE_NAMES.some((name) => request.cookies.has(name));

  if (pathname.startsWith("/api/")) {
    if (hasSession || request.headers.has("authorization") || OPEN_API_PREFIXES.some((p) => pathname === p || pathname.startsWith(p))) {
      return NextResponse.next();
    }
    return NextResponse.json(
      { error: "unauthorized: sign in, or send Authorization: Bearer <API token>" },
      { status: 401, headers: { "www-authenticate": 'Bearer realm="vifdeck"', "cache-control": "no-store" } },
    );
  }

  if (!hasSession && pathname !== "/login") {
    const login = new URL("/login", request.url);
    if (pathname !== "/") login.searchParams.set("next", `${pathname}${search}`);
    return NextResponse.redirect(login);
  }

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const policy = formatContentSecurityPolicy({
    nonce,
    development: env.NODE_ENV === "development",
    https: env.VIFDECK_PUBLIC_URL?.startsWith("https://") ?? false,
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("x-vifdeck-pathname", `${pathname}${search}`);
  requestHeaders.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", policy);
  if (env.VIFDECK_PUBLIC_URL?.startsWith("https://")) {
    response.headers.set("Strict-Transport-Security", "max-age=31536000");
  }
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
