import { z } from "zod";

import { appendAuditEvent } from "~/server/audit/audit-repository";
import type { Db } from "~/server/db";
import { logger } from "~/server/logger";

import type { Auth } from "./auth";
import { isCrossSiteRequest, readExpectedOrigin } from "./csrf";
import { checkLoginThrottle, clearLoginFailures, recordLoginFailure, type LoginThrottleSettings } from "./login-throttle";
import { resolvePrincipal } from "./principal";
import { nameActor } from "./roles";
import { readSourceAddress } from "./source-address";

/**
 * The HTTP face of better-auth under /api/auth, narrowed to what vifdeck uses:
 * POST /sign-in/username, POST /sign-out, GET /get-session (everything else:
 * 404, so no sign-up, no profile or password changes behind the audit log's
 * back). Sign-in is throttled per username and per address, and every sign-in
 * and sign-out, allowed or refused, goes to the audit log.
 */
export type AuthRouteDeps = {
  auth: Auth;
  db: Db;
  throttle: LoginThrottleSettings;
  trustedProxyHops: number;
  publicUrl: string | undefined;
};

const MAX_AUTH_BODY = 16 * 1024;
const ZSignInBodySchema = z.object({ username: z.string().max(256), password: z.string().max(1024) });

export async function handleAuthRequest(request: Request, deps: AuthRouteDeps): Promise<Response> {
  const url = new URL(request.url);
  const route = `${request.method} ${url.pathname.replace(/^\/api\/auth/, "")}`;
  if (route === "GET /get-session") return deps.auth.handler(request);
  if (route !== "POST /sign-in/username" && route !== "POST /sign-out") {
    return Response.json({ code: "NOT_FOUND", message: "not found" }, { status: 404 });
  }
  const source = readSourceAddress(request.headers, deps.trustedProxyHops);
  if (isCrossSiteRequest(request.headers, readExpectedOrigin(request.headers, deps.publicUrl, deps.trustedProxyHops))) {
    return Response.json({ code: "CROSS_SITE", message: "cross-site request refused" }, { status: 403 });
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_AUTH_BODY) return Response.json({ code: "TOO_LARGE", message: "request too large" }, { status: 413 });
  const body = await request.text();
  if (body.length > MAX_AUTH_BODY) return Response.json({ code: "TOO_LARGE", message: "request too large" }, { status: 413 });
  const forwarded = new Request(request.url, { method: request.method, headers: request.headers, body });
  return route === "POST /sign-out" ? signOut(forwarded, deps, source) : signIn(forwarded, body, deps, source);
}

async function signIn(request: Request, body: string, deps: AuthRouteDeps, source: string | null): Promise<Response> {
  const parsed = ZSignInBodySchema.safeParse(safeJson(body));
  if (!parsed.success) return Response.json({ code: "BAD_REQUEST", message: "send a username and a password" }, { status: 400 });
  const username = parsed.data.username.trim().toLowerCase();
  const attempt = { username, address: source };
  const audit = (outcome: "ok" | "refused", error: string | null, userId: string | null) =>
    appendAuditEvent(deps.db, {
      actor: outcome === "ok" ? username : "anonymous",
      actorKind: outcome === "ok" ? "user" : "anonymous",
      userId,
      tokenId: null,
      source,
      operation: "auth.signIn",
      target: username.slice(0, 64),
      params: JSON.stringify({ username: username.slice(0, 64) }),
      command: null,
      exitCode: null,
      outcome,
      result: null,
      error,
    }).catch((err: unknown) => logger.error({ err }, "cannot write the audit log"));

  const verdict = await checkLoginThrottle(deps.db, attempt, deps.throttle);
  if (!verdict.allowed) {
    const message = `Too many failed sign-ins ${verdict.reason === "username" ? "for this user" : "from this address"}: try again in ${formatWait(verdict.retryAfterSeconds)}.`;
    await audit("refused", `throttled (${verdict.reason})`, null);
    return Response.json(
      { code: "TOO_MANY_ATTEMPTS", message, retryAfterSeconds: verdict.retryAfterSeconds },
      { status: 429, headers: { "retry-after": String(verdict.retryAfterSeconds) } },
    );
  }

  const response = await deps.auth.handler(request);
  if (response.ok) {
    await clearLoginFailures(deps.db, username);
    const user = await deps.db.user.findUnique({ where: { username }, select: { id: true } });
    await audit("ok", null, user?.id ?? null);
    return response;
  }
  if (response.status < 500) {
    await recordLoginFailure(deps.db, attempt, deps.throttle);
    const message = await response
      .clone()
      .json()
      .then((json: unknown) => (json as { message?: unknown }).message, () => undefined);
    await audit("refused", typeof message === "string" ? message : `HTTP ${response.status}`, null);
  }
  return response;
}

async function signOut(request: Request, deps: AuthRouteDeps, source: string | null): Promise<Response> {
  const { principal } = await resolvePrincipal(request.headers, deps);
  const response = await deps.auth.handler(request);
  if (principal.kind === "user") {
    await appendAuditEvent(deps.db, {
      actor: nameActor(principal),
      actorKind: "user",
      userId: principal.userId,
      tokenId: null,
      source,
      operation: "auth.signOut",
      target: principal.username,
      params: null,
      command: null,
      exitCode: null,
      outcome: response.ok ? "ok" : "error",
      result: null,
      error: response.ok ? null : `HTTP ${response.status}`,
    }).catch((err: unknown) => logger.error({ err }, "cannot write the audit log"));
  }
  return response;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function formatWait(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}
