import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";

import { AgentError } from "~/server/agent/client";
import { getAgentClient, resetAgentClient } from "~/server/agent/connection";
import type { AgentOp, AgentParams, AgentResult } from "~/server/agent/protocol";

/**
 * tRPC for vifdeck: the context, the procedure builders and the error
 * formatter. Permission checks live in the procedure builders (a later step
 * adds sessions and roles); handlers only do the work.
 */
export type Context = {
  headers: Headers;
  /** Calls one agent operation; agent errors become tRPC errors with the agent's message. */
  callAgent: <O extends AgentOp>(op: O, params: AgentParams<O>) => Promise<AgentResult<O>>;
};

export function createContext(opts: { headers: Headers }): Context {
  return { headers: opts.headers, callAgent };
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

const t = initTRPC.context<Context>().create({
  transformer: superjson,
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

/** Reads: every signed-in user (sessions and roles arrive with the login issue). */
export const viewerProcedure = t.procedure;

/** Changes to the host: admins only (enforced with the login issue). */
export const adminProcedure = t.procedure;
