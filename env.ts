import { createEnv } from "@t3-oss/env-nextjs";
import { z } from "zod";

/**
 * Every setting of vifdeck, validated once. Nothing else reads process.env.
 * The web app, the agent and the collector all import this module; each
 * setting is documented in .env.example.
 */
const ZPositiveIntSchema = z.coerce.number().int().positive();

export const env = createEnv({
  server: {
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    DATABASE_URL: z
      .string()
      .regex(/^(file:|postgres(ql)?:\/\/)/, "DATABASE_URL must start with file: (SQLite) or postgresql://")
      .default("file:./data/vifdeck.db"),

    VIFDECK_AGENT_SOCKET: z.string().min(1).default("./data/agent.sock"),
    VIFDECK_AGENT_TOKEN_FILE: z.string().min(1).default("./data/agent.token"),
    VIFDECK_AGENT_SOCKET_GROUP: z.string().min(1).optional(),
    VIFDECK_AGENT_TIMEOUT_MS: ZPositiveIntSchema.default(10_000),
    VIFDECK_DRIVER: z.enum(["sim", "xl"]).default("sim"),
    VIFDECK_CONFIG_DIR: z.string().min(1).default("./data/sim/xen"),
    VIFDECK_XL_PATH: z.string().min(1).default("/usr/sbin/xl"),
    VIFDECK_XL_CONF: z.string().min(1).default("/etc/xen/xl.conf"),
    VIFDECK_XEND_CONFIG: z.string().min(1).default("/etc/xen/xend-config.sxp"),
    VIFDECK_XENSTORE_LS_PATH: z.string().min(1).default("/usr/bin/xenstore-ls"),
    VIFDECK_COMMAND_TIMEOUT_MS: ZPositiveIntSchema.default(30_000),
    VIFDECK_SIM_SEED: z.coerce.number().int().nonnegative().default(1),
    VIFDECK_SIM_DOMAINS: ZPositiveIntSchema.max(1000).default(6),
    VIFDECK_SIM_VIFS_PER_DOMAIN: z
      .string()
      .regex(/^[1-8](-[1-8])?$/, "a number of vifs (1-8) or a range such as 1-3")
      .default("1-3"),
    VIFDECK_SIM_MODE: z.enum(["bridge", "route", "nat"]).default("bridge"),
    VIFDECK_SIM_EVENTS: z.enum(["on", "off"]).default("on"),

    // Accounting (server/accounting): collector interval, bucket retention, billing calendar,
    // rate cap, and the bearer token of /api/metrics and /api/export.
    // Fine buckets (one per tick) must nest in the 5-minute ones they are rolled up into.
    VIFDECK_COLLECT_INTERVAL_S: ZPositiveIntSchema.max(300)
      .refine((s) => 300 % s === 0, "must divide 300 (5 minutes), e.g. 5, 10, 15, 30 or 60, so that ticks nest in 5-minute buckets")
      .default(10),
    VIFDECK_ACCOUNTING_FINE_RETENTION_H: ZPositiveIntSchema.default(24),
    VIFDECK_ACCOUNTING_5MIN_RETENTION_D: ZPositiveIntSchema.min(32).default(40),
    VIFDECK_ACCOUNTING_HOUR_RETENTION_D: ZPositiveIntSchema.default(400),
    VIFDECK_ACCOUNTING_DAY_RETENTION_D: z.coerce.number().int().nonnegative().default(0),
    VIFDECK_ACCOUNTING_TZ: z.string().min(1).default("UTC"),
    VIFDECK_BILLING_DAY: z.coerce.number().int().min(1).max(28).default(1),
    VIFDECK_ACCOUNTING_MAX_BPS: ZPositiveIntSchema.default(100_000_000_000),
    VIFDECK_METRICS_TOKEN: z.string().min(16).optional(),

    // Login, roles, API tokens, audit and hardening (server/auth).
    VIFDECK_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    VIFDECK_AUTH_SECRET: z.string().min(32).optional(),
    VIFDECK_AUTH_SECRET_FILE: z.string().min(1).default("./data/auth.secret"),
    VIFDECK_SESSION_TTL_H: ZPositiveIntSchema.max(24 * 30).default(12),
    VIFDECK_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
    VIFDECK_LOGIN_THROTTLE_WINDOW_MIN: ZPositiveIntSchema.max(24 * 60).default(15),
    VIFDECK_LOGIN_MAX_FAILURES_PER_USER: ZPositiveIntSchema.default(5),
    VIFDECK_LOGIN_MAX_FAILURES_PER_ADDRESS: ZPositiveIntSchema.default(20),
    VIFDECK_MAX_REQUEST_BYTES: ZPositiveIntSchema.default(1024 * 1024),
  },
  client: {},
  experimental__runtimeEnv: {},
  emptyStringAsUndefined: true,
});
