import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";

import { env } from "~/env";
import { AgentError } from "~/server/agent/client";
import { getAgentClient, resetAgentClient } from "~/server/agent/connection";
import type { AgentOp, AgentParams, AgentResult } from "~/server/agent/protocol";
import { appendAuditEvent, type TAuditOutcome } from "~/server/audit/audit-repository";
import { formatAuditJson } from "~/server/audit/redact";
import type { Auth } from "~/server/auth/auth";
import { isCrossSiteRequest, readExpectedOrigin } from "~/server/auth/csrf";
import { resolvePrincipal } from "~/server/auth/principal";
import { isAdmin, nameActor, type Principal } from "~/server/auth/roles";
import { getAuth } from "~/server/auth/server";
import { readSourceAddress } from "~/server/auth/source-address";
import { db as sharedDb, type Db } from "~/server/db";
import { logger } from "~/server/logger";

/**
 * tRPC for vifdeck: the context, the procedure builders and the error
 * formatter. Permission checks live in the procedure builders; handlers only
 * do the work.
 *
 * - `viewerProcedure`: any signed-in user or API token.
 * - `adminProcedure`: a user with role admin, or an admin-scope token.
 * - Every mutation, allowed or refused, is written to the audit log (who, when, from where, what,
 *   on what, with which parameters, the agent's command line and exit status, the result or error).
 * - A mutation authenticated by the session cookie is refused when the browser says it comes from
 *   another site (Sec-Fetch-Site / Origin): API tokens are not sent by browsers on their own.
 */
export type Context = {
  headers: Headers;
  db: Db;
  auth: Auth;
  principal: Principal;
  /** How the principal was found: a bearer token, the session cookie, or nothing. */
  via: "token" | "session" | "none";
  /** The client's address (see server/auth/source-address.ts). */
  source: string | null;
  /** The browser says this request comes from another site. */
  crossSite: boolean;
  /** Calls one agent operation; agent errors become tRPC errors with the agent's message. */
  callAgent: <O extends AgentOp>(op: O, params: AgentParams<O>) => Promise<AgentResult<O>>;
};

export async function createContext(opts: { headers: Headers }): Promise<Context> {
  const auth = getAuth();
  const { principal, via } = await resolvePrincipal(opts.headers, { db: sharedDb, auth });
  return {
    headers: opts.headers,
    db: sharedDb,
    auth,
    principal,
    via,
    source: readSourceAddress(opts.headers, env.VIFDECK_TRUSTED_PROXY_HOPS),
    crossSite: isCrossSiteRequest(opts.headers, readExpectedOrigin(opts.headers, env.VIFDECK_PUBLIC_URL, env.VIFDECK_TRUSTED_PROXY_HOPS)),
    callAgent,
  };
}

async function callAgent<O extends AgentOp>(op: O, params: AgentParams<O>): Promise<AgentResult<O>> {
  try {
    const agent = await getAgentClient();
    return await agent.call(op, params);
  } catch (error) {
    if (error instanceof AgentError) {
      if (error.code === "UNAUTHORIZED" || error.code === "UNAVAILABLE") resetAgentClient();
      throw new TRPCError({ code: agentErrorToTrpc(error.code), message: error.message, cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: `cannot reach the vifdeck agent: ${message}` });
  }
}

function agentErrorToTrpc(code: AgentError["code"]): TRPCError["code"] {
  switch (code) {
    case "INVALID_PARAMS":
    case "BAD_REQUEST":
      return "BAD_REQUEST";
    case "NOT_FOUND":
      return "NOT_FOUND";
    case "CONFLICT":
      return "CONFLICT";
    case "UNAVAILABLE":
    case "UNAUTHORIZED":
    case "COMMAND_MISSING":
      return "SERVICE_UNAVAILABLE";
    case "COMMAND_TIMEOUT":
      return "TIMEOUT";
    default:
      return "INTERNAL_SERVER_ERROR";
  }
}

/** Who may call a procedure; the tests walk the router and check each mutation's access. */
export type ProcedureMeta = { access: "public" | "viewer" | "admin" };

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    defaultMeta: { access: "public" },
    errorFormatter: ({ shape, error }) => ({
      ...shape,
      data: {
        ...shape.data,
        zodIssues: error.cause instanceof ZodError ? error.cause.issues : null,
      },
    }),
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** The audit log's record of one mutation: written after it ran (or was refused), whatever happened. */
const auditMutations = t.middleware(async ({ ctx, type, path, getRawInput, next }) => {
  if (type !== "mutation") return next();
  const result = await next();
  const input: unknown = await getRawInput().catch(() => undefined);
  const data: unknown = result.ok ? result.data : undefined;
  const cause: unknown = result.ok ? undefined : result.error.cause;
  const ran = readCommandRun(data) ?? readCommandRun(cause);
  const outcome: TAuditOutcome = result.ok
    ? "ok"
    : result.error.code === "UNAUTHORIZED" || result.error.code === "FORBIDDEN"
      ? "refused"
      : "error";
  const principal = ctx.principal;
  try {
    await appendAuditEvent(ctx.db, {
      actor: nameActor(principal),
      actorKind: principal.kind,
      userId: principal.kind === "user" ? principal.userId : null,
      tokenId: principal.kind === "token" ? principal.tokenId : null,
      source: ctx.source,
      operation: path,
      target: readTarget(input, data),
      params: formatAuditJson(input),
      command: ran?.command ?? null,
      exitCode: ran?.exitCode ?? null,
      outcome,
      result: result.ok ? formatAuditJson(data) : null,
      error: result.ok ? null : result.error.message,
    });
  } catch (error) {
    logger.error({ err: error, path, actor: nameActor(principal) }, "cannot write the audit log");
  }
  return result;
});

/** Cookie-authenticated changes must come from vifdeck's own pages. */
const refuseCrossSiteMutations = t.middleware(({ ctx, type, next }) => {
  if (type === "mutation" && ctx.via === "session" && ctx.crossSite) {
    throw new TRPCError({ code: "FORBIDDEN", message: "cross-site request refused" });
  }
  return next();
});

const requireSignedIn = t.middleware(({ ctx, next }) => {
  if (ctx.principal.kind === "anonymous") {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: ctx.via === "token" ? "unknown, revoked or expired API token" : "sign in first",
    });
  }
  return next();
});

const requireAdmin = t.middleware(({ ctx, next }) => {
  if (!isAdmin(ctx.principal)) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: ctx.principal.kind === "token" ? "this API token is read-only" : "only an admin may do this",
    });
  }
  return next();
});

/** Open to everyone (the login state itself); mutations are still audited. */
export const publicProcedure = t.procedure.use(auditMutations).use(refuseCrossSiteMutations);

/** Reads (and pure checks): every signed-in user and every API token. */
export const viewerProcedure = publicProcedure.meta({ access: "viewer" }).use(requireSignedIn);

/** Changes to the host, users and tokens: admins and admin-scope tokens only. */
export const adminProcedure = publicProcedure.meta({ access: "admin" }).use(requireSignedIn).use(requireAdmin);

/** The command line and exit status a result or an agent error carries, for the audit log. */
function readCommandRun(value: unknown): { command: string; exitCode: number | null } | null {
  if (value === null || typeof value !== "object") return null;
  const { command, exitCode } = value as { command?: unknown; exitCode?: unknown };
  if (!Array.isArray(command) || !command.every((part) => typeof part === "string")) return null;
  return { command: formatCommandLine(command), exitCode: typeof exitCode === "number" ? exitCode : null };
}

/** An argument vector as one line a shell would split the same way. */
export function formatCommandLine(argv: string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/** What a call acts on: a domain (with devid), a config file, a user or a token. */
function readTarget(input: unknown, data: unknown): string | null {
  const field = (value: unknown, key: string): string | number | undefined => {
    if (value === null || typeof value !== "object") return undefined;
    const item = (value as Record<string, unknown>)[key];
    return typeof item === "string" || typeof item === "number" ? item : undefined;
  };
  const domain = field(input, "domain");
  if (domain !== undefined) {
    const devid = field(input, "devid");
    return devid !== undefined ? `${domain}/${devid}` : String(domain);
  }
  const target = field(input, "name") ?? field(input, "username") ?? field(data, "username") ?? field(data, "name") ?? field(input, "id");
  return target === undefined ? null : String(target).slice(0, 256);
}
