import net from "node:net";

import { createLineReader } from "./line-reader";
import {
  AGENT_OPS,
  AGENT_PROTOCOL_VERSION,
  ZAgentResponseSchema,
  formatZodIssues,
  type AgentOp,
  type AgentParams,
  type AgentResult,
  type TAgentError,
  type TAgentErrorCode,
} from "./protocol";

/** An error the agent returned, or a failure to reach it; `code` is stable. */
export class AgentError extends Error {
  readonly code: TAgentErrorCode;
  readonly command: string[] | undefined;
  readonly exitCode: number | null | undefined;

  constructor(error: TAgentError) {
    super(error.message);
    this.name = "AgentError";
    this.code = error.code;
    this.command = error.command;
    this.exitCode = error.exitCode;
  }
}

export type AgentClientOptions = {
  socketPath: string;
  token: string;
  timeoutMs: number;
};

export type AgentClient = {
  call<O extends AgentOp>(op: O, params: AgentParams<O>): Promise<AgentResult<O>>;
  close(): void;
};

type Pending = {
  op: AgentOp;
  connection: net.Socket;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
};

/**
 * A client for the agent that keeps one connection open, multiplexes calls
 * over it by id, reconnects on the next call after the agent went away, and
 * validates every result with the operation's schema.
 */
export function createAgentClient(options: AgentClientOptions): AgentClient {
  let socket: net.Socket | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  /** Fails the calls waiting on one connection (all of them when none is named). */
  const failAll = (error: AgentError, connection?: net.Socket) => {
    for (const [id, call] of pending) {
      if (connection && call.connection !== connection) continue;
      clearTimeout(call.timer);
      call.reject(error);
      pending.delete(id);
    }
  };

  const connect = (): net.Socket => {
    if (socket && !socket.destroyed && socket.writable) return socket;
    const conn = net.connect(options.socketPath);
    conn.setEncoding("utf8");
    const lines = createLineReader((line) => receive(conn, line));
    conn.on("data", (chunk: string) => lines.push(chunk));
    conn.on("error", (error: NodeJS.ErrnoException) => {
      failAll(
        new AgentError({
          code: "UNAVAILABLE",
          message: `cannot reach the vifdeck agent at ${options.socketPath} (${error.code ?? error.message}): is vifdeck-agent running?`,
        }),
        conn,
      );
    });
    conn.on("end", () => {
      if (socket === conn) socket = null;
    });
    conn.on("close", () => {
      if (socket === conn) socket = null;
      failAll(new AgentError({ code: "UNAVAILABLE", message: "the agent closed the connection" }), conn);
    });
    socket = conn;
    return conn;
  };

  const receive = (conn: net.Socket, line: string) => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      failAll(new AgentError({ code: "INTERNAL", message: "the agent sent a line that is not JSON" }), conn);
      return;
    }
    const response = ZAgentResponseSchema.safeParse(raw);
    if (!response.success) {
      failAll(new AgentError({ code: "INTERNAL", message: "the agent sent a response outside the protocol" }), conn);
      return;
    }
    const message = response.data;
    if (message.id === null) {
      // Not tied to one call (e.g. an oversize request, after which the agent closes the
      // connection): every waiting call gets it, and the next call opens a new connection.
      if (!message.ok) failAll(new AgentError(message.error), conn);
      conn.destroy();
      if (socket === conn) socket = null;
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    clearTimeout(call.timer);
    if (!message.ok) {
      call.reject(new AgentError(message.error));
      return;
    }
    const spec = AGENT_OPS[call.op];
    const result = ("wire" in spec ? spec.wire.schema : spec.result).safeParse(message.result);
    if (!result.success) {
      call.reject(
        new AgentError({ code: "INTERNAL", message: `invalid ${call.op} result from the agent: ${formatZodIssues(result.error, "result")}` }),
      );
      return;
    }
    call.resolve("wire" in spec ? (spec.wire.decode as (w: unknown) => unknown)(result.data) : result.data);
  };

  return {
    call<O extends AgentOp>(op: O, params: AgentParams<O>): Promise<AgentResult<O>> {
      return new Promise<AgentResult<O>>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new AgentError({ code: "COMMAND_TIMEOUT", message: `the agent did not answer ${op} within ${options.timeoutMs} ms` }));
        }, options.timeoutMs);
        const connection = connect();
        pending.set(id, { op, connection, resolve: resolve as (value: unknown) => void, reject, timer });
        const request = { v: AGENT_PROTOCOL_VERSION, id, token: options.token, op, params };
        connection.write(`${JSON.stringify(request)}\n`);
      });
    },
    close() {
      socket?.destroy();
      socket = null;
    },
  };
}
