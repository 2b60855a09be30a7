/**
 * The collector process: `tsx server/accounting/main.ts` (npm run collector).
 * Samples the agent's counters every VIFDECK_COLLECT_INTERVAL_S and writes the
 * counter store; SIGTERM/SIGINT finish the tick in progress, then exit.
 */
import { env } from "~/env";
import { createAgentClient } from "~/server/agent/client";
import { readTokenFile } from "~/server/agent/token";
import { createDb, dbKindOf, prepareDb } from "~/server/db";
import { keepHeapBetweenBursts } from "~/server/heap";
import { logger } from "~/server/logger";

import { collectorSettingsOf, createCollector } from "./collector";
import { runMaintenance } from "./maintenance";
import { accountingSettingsOf } from "./settings";
import { createAccountingStore } from "./store";

async function main(): Promise<void> {
  keepHeapBetweenBursts();
  const settings = accountingSettingsOf(env);
  const token = await readTokenFile(env.VIFDECK_AGENT_TOKEN_FILE).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the agent token file ${env.VIFDECK_AGENT_TOKEN_FILE} (${error.code ?? error.message}): check VIFDECK_AGENT_TOKEN_FILE`);
  });
  const agent = createAgentClient({ socketPath: env.VIFDECK_AGENT_SOCKET, token, timeoutMs: env.VIFDECK_AGENT_TIMEOUT_MS });
  const kind = dbKindOf(env.DATABASE_URL);
  const db = createDb(env.DATABASE_URL);
  await prepareDb(db, env.DATABASE_URL);
  const store = createAccountingStore(db, env.DATABASE_URL, { fineS: settings.fineS, timeZone: settings.timeZone, billingDay: settings.billingDay });
  const collector = createCollector(
    {
      agent,
      store,
      logger,
      maintain: async (now) => {
        const report = await runMaintenance(db, store, settings, now);
        for (const alert of report.alerts) {
          logger.warn({ ...alert, usedBytes: String(alert.usedBytes), quotaBytes: String(alert.quotaBytes) }, "accounting: quota threshold crossed");
        }
      },
    },
    collectorSettingsOf(settings),
  );
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      logger.info({ signal }, "collector stopping after the tick in progress");
      collector.stop();
    });
  }
  logger.info({ intervalS: settings.intervalMs / 1000, database: kind, timeZone: settings.timeZone }, "collector started");
  await collector.run();
  agent.close();
  await store.close();
  await db.$disconnect();
  logger.info("collector stopped");
  // Done: exit now rather than when the last timer or handle of a library lets the event loop end
  // (seen: the process lingered after this line, and was left without its parent by the demo's stop).
  process.exit(0);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "collector failed to start");
  process.exit(1);
});
