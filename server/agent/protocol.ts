import { z } from "zod";

import { ZCountersSchema, ZInventorySchema } from "~/server/host/inventory";

/**
 * The agent's wire protocol: one JSON document per line (NDJSON) over a Unix
 * socket, each line encoded with superjson so that bigint counters survive.
 *
 *   request   {"v":1,"id":7,"token":"…","op":"inventory","params":{}}
 *   response  {"id":7,"ok":true,"result":{…}}
 *             {"id":7,"ok":false,"error":{"code":"UNAUTHORIZED","message":"…"}}
 *
 * Every operation is declared once in AGENT_OPS with strict schemas for its
 * params and its result: the agent refuses anything else, and the client
 * validates what comes back.
 */

export const AGENT_PROTOCOL_VERSION = 1;

/** The largest request line the agent reads; longer ones are refused and the connection closed. */
export const MAX_REQUEST_BYTES = 256 * 1024;

export const AGENT_OPS = {
  /** Host, domains, bridges with their ports, vifs, physical NICs. */
  inventory: { params: z.strictObject({}), result: ZInventorySchema },
  /** Raw kernel counters of every interface, with its ifindex. */
  counters: { params: z.strictObject({}), result: ZCountersSchema },
} as const;

export type AgentOp = keyof typeof AGENT_OPS;
export type AgentParams<O extends AgentOp> = z.input<(typeof AGENT_OPS)[O]["params"]>;
export type AgentResult<O extends AgentOp> = z.output<(typeof AGENT_OPS)[O]["result"]>;

export const AGENT_OP_NAMES = Object.keys(AGENT_OPS) as AgentOp[];

export const ZAgentRequestSchema = z.strictObject({
  v: z.literal(AGENT_PROTOCOL_VERSION),
  id: z.number().int().nonnegative(),
  token: z.string().max(512),
  op: z.string().max(64),
  params: z.unknown(),
});
export type TAgentRequest = z.infer<typeof ZAgentRequestSchema>;

export const ZAgentErrorCodeSchema = z.enum([
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "UNKNOWN_OP",
  "INVALID_PARAMS",
  "TOO_LARGE",
  "NOT_FOUND",
  "CONFLICT",
  "COMMAND_FAILED",
  "COMMAND_TIMEOUT",
  "COMMAND_MISSING",
  "UNPARSABLE_OUTPUT",
  "UNAVAILABLE",
  "INTERNAL",
]);
export type TAgentErrorCode = z.infer<typeof ZAgentErrorCodeSchema>;

export const ZAgentErrorSchema = z.strictObject({
  code: ZAgentErrorCodeSchema,
  message: z.string(),
  /** The command line the agent ran, for the audit log, when one ran. */
  command: z.array(z.string()).optional(),
  exitCode: z.number().int().nullable().optional(),
});
export type TAgentError = z.infer<typeof ZAgentErrorSchema>;

export const ZAgentResponseSchema = z.union([
  z.strictObject({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ id: z.number().int().nullable(), ok: z.literal(false), error: ZAgentErrorSchema }),
]);
export type TAgentResponse = z.infer<typeof ZAgentResponseSchema>;

/** Formats zod issues as one line each: `params.bridge: Too big: expected string to have <=15 characters`. */
export function formatZodIssues(error: z.ZodError, root: string): string {
  return error.issues
    .map((issue) => {
      const where = [root, ...issue.path.map(String)].join(".");
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}
