import { z } from "zod";

import { ZCountersSchema, ZInventorySchema } from "~/server/host/inventory";
import { ZSecurityPostureSchema } from "~/server/host/security/posture";
import { isValidIpOrCidr } from "~/server/xen";

import { decodeCounters, decodeInventory, encodeCounters, encodeInventory, ZCountersWireSchema, ZInventoryWireSchema } from "./wire";

/**
 * The agent's wire protocol: one JSON document per line (NDJSON) over a Unix
 * socket. Results with bigint counters have a wire form (./wire.ts): the agent
 * encodes them, the client checks the wire form with its schema and decodes it.
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

/** A domain name or numeric id as xl takes it; refuses option-looking and shell-looking text. */
export const ZDomainRefSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a domain name: letters, digits, '_', '.', '-' (not starting with '-')");

/** A config file's name inside the config directory (the store checks it again). */
export const ZConfigNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "one file name in the config directory (no '/', no leading '.')")
  .refine((name) => !name.includes(".."), "must not contain '..'");

const ZSha256Schema = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in hex");

/**
 * A vif to attach: the keys `xl network-attach` takes. Values are checked for shape here;
 * the Xen rules (MAC syntax, rate grammar, vifname length, bridge exists…) in server/xen
 * and server/agent/operations.ts, before any command runs.
 */
export const ZAttachVifSchema = z.strictObject({
  mac: z.string().regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, "six hex octets separated by ':'").optional(),
  bridge: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}$/, "a bridge name (at most 15 characters)").optional(),
  ip: z
    .array(z.string().max(64).refine(isValidIpOrCidr, "an IPv4 or IPv6 address, optionally with a /prefix"))
    .max(16)
    .optional(),
  vifname: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-'")
    .max(15, "at most 15 characters: Linux interface names are that short, and the hotplug script's rename fails beyond (the vif is left down on no bridge)")
    .optional(),
  rate: z.string().regex(/^[0-9]+[GMK]?[Bb]\/s(@[0-9]+[mu]?s?)?$/, "like 10Mb/s or 1MB/s@20ms").optional(),
  script: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a script name in the Xen scripts directory").max(64).optional(),
  model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/).max(32).optional(),
  mtu: z.number().int().min(68).max(65535).optional(),
});
export type TAttachVif = z.infer<typeof ZAttachVifSchema>;

const ZCommandRunSchema = z.strictObject({
  /** The command line run (or, on the simulated host, the one it stands for). */
  command: z.array(z.string()),
  exitCode: z.number().int(),
});

const ZPersistedSchema = z
  .strictObject({ name: z.string(), sha256: ZSha256Schema, backup: z.string().nullable() })
  .nullable();

export const ZConfigFileInfoSchema = z.strictObject({
  name: z.string(),
  size: z.number().int().nonnegative(),
  modifiedAt: z.number().nonnegative(),
  sha256: ZSha256Schema,
});

const ZDetachResultSchema = ZCommandRunSchema.extend({
  domain: z.string(),
  devid: z.number().int().nonnegative(),
  /** The last counters of the vif (and its -emu twin), read just before it went away. */
  final: ZCountersSchema,
  warnings: z.array(z.string()),
  persisted: ZPersistedSchema,
});
type TDetachResult = z.infer<typeof ZDetachResultSchema>;

/** How an operation's result travels, when it is not plain JSON (see ./wire.ts). */
export type WireCodec<TResult, TWire> = {
  schema: z.ZodType<TWire>;
  encode(result: TResult): TWire;
  decode(wire: TWire): TResult;
};

export const AGENT_OPS = {
  /** Host, domains, bridges with their ports, vifs, physical NICs. */
  inventory: {
    params: z.strictObject({}),
    result: ZInventorySchema,
    wire: { schema: ZInventoryWireSchema, encode: encodeInventory, decode: decodeInventory },
  },
  /** Raw kernel counters of every interface, with its ifindex. */
  counters: {
    params: z.strictObject({}),
    result: ZCountersSchema,
    wire: { schema: ZCountersWireSchema, encode: encodeCounters, decode: decodeCounters },
  },
  /** The domain config files in the config directory. */
  listConfigs: { params: z.strictObject({}), result: z.array(ZConfigFileInfoSchema) },
  /** One config file, with the hash a later write must name. */
  readConfig: {
    params: z.strictObject({ name: ZConfigNameSchema }),
    result: ZConfigFileInfoSchema.extend({ content: z.string() }),
  },
  /**
   * Replaces a config file (or creates one, with expectedSha256 null), atomically, if xl would
   * parse the new content and the file is still the one the caller read.
   */
  writeConfig: {
    params: z.strictObject({
      name: ZConfigNameSchema,
      content: z.string().max(256 * 1024),
      expectedSha256: ZSha256Schema.nullable(),
    }),
    result: ZConfigFileInfoSchema.extend({ backup: z.string().nullable(), warnings: z.array(z.string()) }),
  },
  /** `xl network-attach`, checked before and verified after; optionally also added to the domain's config file. */
  attachVif: {
    params: z.strictObject({ domain: ZDomainRefSchema, vif: ZAttachVifSchema, persist: z.boolean() }),
    result: ZCommandRunSchema.extend({
      domain: z.string(),
      devid: z.number().int().nonnegative(),
      mac: z.string(),
      kernelName: z.string(),
      warnings: z.array(z.string()),
      persisted: ZPersistedSchema,
    }),
  },
  /** Firewall, bridge-netfilter, conntrack, MAC and vif health findings, per host and per vif (read-only). */
  securityPosture: { params: z.strictObject({}), result: ZSecurityPostureSchema },
  /** `xl network-detach`, after reading the vif's final counters; optionally also removed from the config file. */
  detachVif: {
    params: z.strictObject({ domain: ZDomainRefSchema, devid: z.number().int().min(0).max(4096), persist: z.boolean() }),
    result: ZDetachResultSchema,
    wire: {
      schema: ZDetachResultSchema.omit({ final: true }).extend({ final: ZCountersWireSchema }),
      encode: (result: TDetachResult) => ({ ...result, final: encodeCounters(result.final) }),
      decode: (wire: TDetachResult & { final: z.infer<typeof ZCountersWireSchema> }) => ({ ...wire, final: decodeCounters(wire.final) }),
    },
  },
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
