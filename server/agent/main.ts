/**
 * vifdeck-agent: the only privileged process. It serves the operations of
 * server/agent/protocol.ts on a Unix socket, for the web app and the collector.
 * Settings (env.ts, documented in .env.example): VIFDECK_AGENT_SOCKET,
 * VIFDECK_AGENT_SOCKET_GROUP, VIFDECK_AGENT_TOKEN_FILE, VIFDECK_DRIVER and the
 * driver's own settings.
 */
import fs from "node:fs/promises";
import path from "node:path";

import { env } from "~/env";
import { keepHeapBetweenBursts } from "~/server/heap";
import { createHostDriver } from "~/server/host/create-driver";
import { logger } from "~/server/logger";

import { startAgentServer } from "./server";
import { ConfigStore } from "./config-store";
import { lookUpGroupId } from "./group";
import { ensureTokenFile } from "./token";

async function main(): Promise<void> {
  keepHeapBetweenBursts();
  const gid = env.VIFDECK_AGENT_SOCKET_GROUP ? await lookUpGroupId(env.VIFDECK_AGENT_SOCKET_GROUP) : null;
  const token = await ensureTokenFile(path.resolve(env.VIFDECK_AGENT_TOKEN_FILE), gid);
  const driver = await createHostDriver(env);
  const configs = await ConfigStore.open(path.resolve(env.VIFDECK_CONFIG_DIR));
  const socketPath = path.resolve(env.VIFDECK_AGENT_SOCKET);
  await fs.mkdir(path.dirname(socketPath), { recursive: true });
  const server = await startAgentServer({ socketPath, token, driver, configs, logger, socketGid: gid });

  const stop = (signal: string) => {
    logger.info({ signal }, "agent stopping");
    void Promise.all([server.close(), driver.close()]).finally(() => process.exit(0));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, `agent failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
