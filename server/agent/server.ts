import { timingSafeEqual } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";

import { HostError, type HostDriver } from "~/server/host/driver";
import type { Logger } from "~/server/logger";

import type { ConfigStore } from "./config-store";
import { createLineReader } from "./line-reader";
import { createOperations, type Operations } from "./operations";
import {
  AGENT_OPS,
  MAX_REQUEST_BYTES,
  ZAgentRequestSchema,
  formatZodIssues,
  type AgentOp,
  type AgentParams,
  type TAgentError,
  type TAgentResponse,
} from "./protocol";

export type AgentServerOptions = {
  socketPath: string;
  token: string;
  driver: HostDriver;
  configs: ConfigStore;
  logger: Logger;
  /** Numeric gid that may use the socket (mode 0660); null leaves the group as created. */
  socketGid?: number | null;
};

export type AgentServer = {
  close(): Promise<void>;
};

/**
 * Listens on a Unix socket and serves the operations of AGENT_OPS, nothing
 * else. Each request is authenticated with the shared token, its params are
 * validated with the operation's strict schema, and the driver's result is
 * validated again before it is sent. A bad request gets a clear error and the
 * connection (and the agent) stay up; an oversize request closes the connection.
 */
export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const { socketPath, driver, logger } = options;
  const expectedToken = Buffer.from(options.token, "utf8");
  const operations = createOperations(driver, options.configs);

  await removeStaleSocket(socketPath);

  const handle = async (line: string): Promise<TAgentResponse> => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return failure(null, { code: "BAD_REQUEST", message: "request is not valid JSON: send one JSON document per line" });
    }
    const request = ZAgentRequestSchema.safeParse(raw);
    if (!request.success) {
      const id = readId(raw);
      return failure(id, { code: "BAD_REQUEST", message: `malformed request: ${formatZodIssues(request.error, "request")}` });
    }
    const { id, token, op, params } = request.data;
    if (!tokenMatches(token, expectedToken)) {
      logger.warn({ op }, "agent call refused: wrong token");
      return failure(id, { code: "UNAUTHORIZED", message: "wrong agent token: check VIFDECK_AGENT_TOKEN_FILE" });
    }
    if (!Object.hasOwn(AGENT_OPS, op)) {
      return failure(id, {
        code: "UNKNOWN_OP",
        message: `unknown operation "${op}": the agent offers ${Object.keys(AGENT_OPS).join(", ")}`,
      });
    }
    const spec = AGENT_OPS[op as AgentOp];
    const parsedParams = spec.params.safeParse(params ?? {});
    if (!parsedParams.success) {
      return failure(id, { code: "INVALID_PARAMS", message: formatZodIssues(parsedParams.error, "params") });
    }
    try {
      const result = await runOp(driver, operations, op as AgentOp, parsedParams.data);
      // The client validates every result against the operation's schema (its wire form, where it has one).
      const wire = "wire" in spec ? (spec.wire.encode as (r: unknown) => unknown)(result) : result;
      return { id, ok: true, result: wire };
    } catch (error) {
      return failure(id, toAgentError(error, op, logger));
    }
  };

  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
    let refused = false;
    const lines = createLineReader((line) => {
      if (refused) return;
      if (Buffer.byteLength(line) > MAX_REQUEST_BYTES) {
        refused = true;
        refuseOversize(socket);
        return;
      }
      if (line.trim() === "") return;
      void handle(line).then((response) => {
        if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
      });
    });
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      lines.push(chunk);
      if (!refused && lines.pendingLength > MAX_REQUEST_BYTES) {
        refused = true;
        refuseOversize(socket);
      }
    });
    socket.on("error", (error) => logger.debug({ err: error }, "agent connection error"));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await fs.chmod(socketPath, 0o660);
  if (options.socketGid != null) await fs.chown(socketPath, 0, options.socketGid);
  logger.info({ socketPath, driver: driver.name }, "agent listening");

  return {
    /** Stops listening and ends open connections (a connected collector must not keep the agent from stopping). */
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of connections) socket.destroy();
      await closed;
      await fs.rm(socketPath, { force: true });
    },
  };
}

/** Each operation of AGENT_OPS, and nothing else, mapped to the code that does it. */
async function runOp(driver: HostDriver, operations: Operations, op: AgentOp, params: unknown): Promise<unknown> {
  switch (op) {
    case "inventory":
      return driver.readInventory();
    case "counters":
      // As columns where the driver reads them so (no bigint per counter); the wire encoding passes them through.
      return driver.readCounterColumns ? driver.readCounterColumns() : driver.readCounters();
    case "listConfigs":
      return operations.listConfigs();
    case "readConfig":
      return operations.readConfig(params as AgentParams<"readConfig">);
    case "writeConfig":
      return operations.writeConfig(params as AgentParams<"writeConfig">);
    case "attachVif":
      return operations.attachVif(params as AgentParams<"attachVif">);
    case "detachVif":
      return operations.detachVif(params as AgentParams<"detachVif">);
    case "securityPosture":
      return operations.readSecurityPosture();
  }
}

function refuseOversize(socket: net.Socket): void {
  const response = failure(null, {
    code: "TOO_LARGE",
    message: `request larger than ${MAX_REQUEST_BYTES} bytes: refused, connection closed`,
  });
  socket.removeAllListeners("data");
  socket.end(`${JSON.stringify(response)}\n`);
}

function failure(id: number | null, error: TAgentError): TAgentResponse {
  return { id, ok: false, error };
}

function readId(raw: unknown): number | null {
  if (typeof raw === "object" && raw !== null && "id" in raw && Number.isInteger(raw.id)) return raw.id as number;
  return null;
}

function tokenMatches(given: string, expected: Buffer): boolean {
  const candidate = Buffer.from(given, "utf8");
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

function toAgentError(error: unknown, op: string, logger: Logger): TAgentError {
  if (error instanceof HostError) {
    return {
      code: error.code === "INVALID_INPUT" ? "INVALID_PARAMS" : error.code,
      message: error.message,
      ...(error.details.command ? { command: error.details.command } : {}),
      ...(error.details.exitCode !== undefined ? { exitCode: error.details.exitCode } : {}),
    };
  }
  logger.error({ err: error, op }, "agent operation failed unexpectedly");
  return { code: "INTERNAL", message: `${op} failed: ${error instanceof Error ? error.message : String(error)}` };
}

/** A socket file left by a crashed agent is removed; a live agent on the path is an error. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  const stat = await fs.lstat(socketPath).catch(() => null);
  if (!stat) return;
  if (!stat.isSocket()) {
    throw new Error(`${socketPath} exists and is not a socket: remove it or choose another VIFDECK_AGENT_SOCKET`);
  }
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (alive) throw new Error(`another agent is already listening on ${socketPath}`);
  await fs.rm(socketPath, { force: true });
}
