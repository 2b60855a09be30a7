import { assertTimeZone } from "./calendar";

/**
 * The accounting settings, from env.ts's validated values (see the
 * "Accounting" block there). A plain function of its input, so tests and the
 * benchmark build settings without reading the environment.
 */
export type AccountingSettings = {
  intervalMs: number;
  /** Fine bucket length: the collector's interval. */
  fineS: number;
  retention: { fineS: number; fiveMinS: number; hourS: number; /** null: forever */ dayS: number | null };
  timeZone: string;
  billingDay: number;
  maxBytesPerSec: number;
  metricsToken: string | null;
};

export type AccountingEnv = {
  VIFDECK_COLLECT_INTERVAL_S: number;
  VIFDECK_ACCOUNTING_FINE_RETENTION_H: number;
  VIFDECK_ACCOUNTING_5MIN_RETENTION_D: number;
  VIFDECK_ACCOUNTING_HOUR_RETENTION_D: number;
  VIFDECK_ACCOUNTING_DAY_RETENTION_D: number;
  VIFDECK_ACCOUNTING_TZ: string;
  VIFDECK_BILLING_DAY: number;
  VIFDECK_ACCOUNTING_MAX_BPS: number;
  VIFDECK_METRICS_TOKEN?: string | undefined;
};

const DAY_S = 86_400;

export function accountingSettingsOf(values: AccountingEnv): AccountingSettings {
  try {
    assertTimeZone(values.VIFDECK_ACCOUNTING_TZ);
  } catch {
    throw new Error(`VIFDECK_ACCOUNTING_TZ="${values.VIFDECK_ACCOUNTING_TZ}" is not an IANA time zone (e.g. UTC, Europe/Berlin)`);
  }
  return {
    intervalMs: values.VIFDECK_COLLECT_INTERVAL_S * 1000,
    fineS: values.VIFDECK_COLLECT_INTERVAL_S,
    retention: {
      fineS: values.VIFDECK_ACCOUNTING_FINE_RETENTION_H * 3600,
      fiveMinS: values.VIFDECK_ACCOUNTING_5MIN_RETENTION_D * DAY_S,
      hourS: values.VIFDECK_ACCOUNTING_HOUR_RETENTION_D * DAY_S,
      dayS: values.VIFDECK_ACCOUNTING_DAY_RETENTION_D > 0 ? values.VIFDECK_ACCOUNTING_DAY_RETENTION_D * DAY_S : null,
    },
    timeZone: values.VIFDECK_ACCOUNTING_TZ,
    billingDay: values.VIFDECK_BILLING_DAY,
    maxBytesPerSec: values.VIFDECK_ACCOUNTING_MAX_BPS / 8,
    metricsToken: values.VIFDECK_METRICS_TOKEN ?? null,
  };
}

/** Defaults as env.ts gives them, for tests and benchmarks. */
export const DEFAULT_ACCOUNTING_ENV: AccountingEnv = {
  VIFDECK_COLLECT_INTERVAL_S: 10,
  VIFDECK_ACCOUNTING_FINE_RETENTION_H: 24,
  VIFDECK_ACCOUNTING_5MIN_RETENTION_D: 40,
  VIFDECK_ACCOUNTING_HOUR_RETENTION_D: 400,
  VIFDECK_ACCOUNTING_DAY_RETENTION_D: 0,
  VIFDECK_ACCOUNTING_TZ: "UTC",
  VIFDECK_BILLING_DAY: 1,
  VIFDECK_ACCOUNTING_MAX_BPS: 100_000_000_000,
};
