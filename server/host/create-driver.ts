import path from "node:path";

import type { env as Env } from "~/env";

import type { HostDriver } from "./driver";
import { createSimDriver } from "./sim/sim-driver";
import { XlDriver } from "./xl/xl-driver";

/** The host driver the settings name: `sim` (the simulated host) or `xl` (the real toolstack). */
export async function createHostDriver(settings: typeof Env): Promise<HostDriver> {
  switch (settings.VIFDECK_DRIVER) {
    case "sim":
      return createSimDriver({
        seed: settings.VIFDECK_SIM_SEED,
        domains: settings.VIFDECK_SIM_DOMAINS,
        mode: settings.VIFDECK_SIM_MODE,
        vifsPerDomain: parseVifsPerDomain(settings.VIFDECK_SIM_VIFS_PER_DOMAIN),
        configDir: path.resolve(settings.VIFDECK_CONFIG_DIR),
        randomEvents: settings.VIFDECK_SIM_EVENTS === "on",
      });
    case "xl":
      return new XlDriver({
        xlPath: settings.VIFDECK_XL_PATH,
        xenstoreLsPath: settings.VIFDECK_XENSTORE_LS_PATH,
        xlConfPath: settings.VIFDECK_XL_CONF,
        xendConfigPath: settings.VIFDECK_XEND_CONFIG,
        commandTimeoutMs: settings.VIFDECK_COMMAND_TIMEOUT_MS,
      });
  }
}

/** "3" or "1-3" (validated by env.ts). */
function parseVifsPerDomain(text: string): number | { min: number; max: number } {
  const [min, max] = text.split("-").map(Number) as [number, number | undefined];
  return max === undefined ? min : { min, max };
}
