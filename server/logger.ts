import pino from "pino";

import { env } from "~/env";

/** The one logger: JSON lines on stderr (journald keeps them on dom0). */
export const logger = pino({ level: env.LOG_LEVEL, base: { pid: process.pid } }, pino.destination(2));

export type Logger = typeof logger;
