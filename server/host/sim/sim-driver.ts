import fs from "node:fs/promises";
import path from "node:path";

import type { HostDriver, TCommandOutcome } from "~/server/host/driver";
import type { TNetworkMode } from "~/server/host/inventory";
import { simulateSecurityFacts } from "~/server/host/security/sim-facts";
import { buildNetworkAttachArgv, buildNetworkDetachArgv } from "~/server/host/xl/argv";
import { toVifCommandError } from "~/server/host/xl/xl-errors";
import { formatRate, formatVifSpec, quoteXlString, type TVif } from "~/server/xen";

import { createScenario, type ScenarioOptions, type SimDomainSpec, type SimScenario } from "./scenario";
import { SimHost } from "./sim-host";

export type SimDriverOptions = Omit<ScenarioOptions, "mode"> & {
  mode: TNetworkMode;
  /** Where the simulated host keeps its domains' xl config files; its boots read them. */
  configDir: string;
  randomEvents: boolean;
  now?: () => number;
};

export type SimDriver = HostDriver & { readonly host: SimHost };

/**
 * The `sim` host driver: a SimHost behind the HostDriver interface, with real
 * config files on disk that its guests boot from. attachVif/detachVif answer
 * exactly as the xl driver does: the same argv checks (./xl/argv), the same
 * HostError from xl's texts (./xl/xl-errors), and `command` the xl command line
 * the sim stands for.
 */
export async function createSimDriver(options: SimDriverOptions): Promise<SimDriver> {
  const { configDir, randomEvents, now, ...scenarioOptions } = options;
  const scenario = createScenario(scenarioOptions);
  await writeMissingConfigFiles(configDir, scenario);
  const host = new SimHost({ scenario, seed: options.seed, randomEvents, configDir, ...(now ? { now } : {}) });
  const run = (buildArgv: () => string[], command: () => TCommandOutcome): Promise<TCommandOutcome> => {
    try {
      buildArgv();
      const outcome = command();
      if (outcome.exitCode !== 0) throw toVifCommandError(outcome);
      return Promise.resolve(outcome);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    name: "sim",
    host,
    readInventory: async () => host.readInventory(),
    readCounters: async () => host.readCounters(),
    attachVif: (request) =>
      run(
        () => buildNetworkAttachArgv("xl", request.domain, request.tokens),
        () => host.attachVif(request.domain, request.tokens),
      ),
    detachVif: (request) =>
      run(
        () => buildNetworkDetachArgv("xl", request.domain, request.devid),
        () => host.detachVif(request.domain, request.devid),
      ),
    readSecurityFacts: async () => simulateSecurityFacts(host, options.seed),
    close: async () => {},
  };
}

/** Writes `<name>.cfg` for each domain that has none yet; files an admin edited are left alone. */
export async function writeMissingConfigFiles(configDir: string, scenario: SimScenario): Promise<void> {
  await fs.mkdir(configDir, { recursive: true });
  for (const domain of scenario.domains) {
    const file = path.join(configDir, `${domain.name}.cfg`);
    await fs.writeFile(file, printDomainConfig(domain, scenario), { flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
  }
}

/** A domain's xl config file, its vif specs written by server/xen's formatter. */
export function printDomainConfig(domain: SimDomainSpec, scenario: Pick<SimScenario, "mode" | "vifScript">): string {
  const vifs = domain.vifs.map((vif) => {
    const spec: TVif = { mac: vif.mac };
    if (vif.bridge) spec.bridge = vif.bridge;
    if (vif.ips.length > 0) spec.ip = vif.ips;
    if (vif.vifname) spec.vifname = vif.vifname;
    if (scenario.mode !== "bridge") spec.script = scenario.vifScript;
    if (vif.rate) {
      const rate = formatRate({ bytesPerSecond: (vif.rate.bytesPerInterval * 1_000_000) / vif.rate.intervalUsecs, intervalUsecs: vif.rate.intervalUsecs });
      if (rate === null) throw new Error(`${domain.name}: vif ${vif.devid} has a rate xl cannot take`);
      spec.rate = rate;
    }
    const formatted = formatVifSpec(spec);
    if (!formatted.ok) throw new Error(`${domain.name}: vif ${vif.devid} cannot be written: ${formatted.diagnostics.map((d) => d.message).join("; ")}`);
    return `    ${quoteXlString(formatted.spec)},`;
  });
  const lines = [
    `# ${domain.name}: written by the vifdeck simulated host`,
    `name = ${quoteXlString(domain.name, '"')}`,
    domain.type === "pv" ? `kernel = "/var/lib/xen/boot/vmlinuz"` : `type = "${domain.type}"`,
    `memory = ${domain.memoryMiB}`,
    `vcpus = ${domain.vcpus}`,
    `vif = [`,
    ...vifs,
    `]`,
    ``,
  ];
  return lines.join("\n");
}
