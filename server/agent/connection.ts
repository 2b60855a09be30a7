import path from "node:path";

import { env } from "~/env";

import { createAgentClient, type AgentClient } from "./client";
import { readTokenFile } from "./token";

/**
 * The process's connection to the agent, for the web app and the collector.
 * The token file is read on first use (the agent may have created it after
 * this process started) and again after the agent refuses the token.
 */
let client: Promise<AgentClient> | null = null;

export function getAgentClient(): Promise<AgentClient> {
  client ??= readTokenFile(path.resolve(env.VIFDECK_AGENT_TOKEN_FILE)).then(
    (token) =>
      createAgentClient({
        socketPath: path.resolve(env.VIFDECK_AGENT_SOCKET),
        token,
        timeoutMs: env.VIFDECK_AGENT_TIMEOUT_MS,
      }),
    (error: unknown) => {
      client = null;
      throw error;
    },
  );
  return client;
}

/** Forget the connection, so the next call reads the token again (after UNAUTHORIZED). */
export function resetAgentClient(): void {
  void client?.then((c) => c.close()).catch(() => {});
  client = null;
}
