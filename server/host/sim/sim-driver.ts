import fs from "node:fs/promises";
import path from "node:path";

import type { HostDriver } from "~/server/host/driver";
import type { TNetworkMode } from "~/server/host/inventory";

import { createScenario, type SimDomainSpec } from "./scenario";
import { SimHost } from "./sim-host";

export type SimDriverOptions = {
  seed: number;
  domains: number;
  mode: TNetworkMode;
  /** Where the simulated host keeps its domains' xl config files. */
  configDir: string;
  randomEvents: boolean;
  now?: () => number;
};

export type SimDriver = HostDriver & { readonly host: SimHost };

/** The `sim` host driver: a SimHost behind the HostDriver interface, with real config files on disk. */
export async function createSimDriver(options: SimDriverOptions): Promise<SimDriver> {
  const scenario = createScenario({ seed: options.seed, domains: options.domains, mode: options.mode });
  const host = new SimHost({
    scenario,
    seed: options.seed,
    randomEvents: options.randomEvents,
    ...(options.now ? { now: options.now } : {}),
  });
  await writeMissingConfigFiles(options.configDir, scenario.domains, scenario.mode);
  return {
    name: "sim",
    host,
    readInventory: async () => host.readInventory(),
    readCounters: async () => host.readCounters(),
    close: async () => {},
  };
}

/** Writes `<name>.cfg` for each domain that has none yet; files an admin edited are left alone. */
async function writeMissingConfigFiles(configDir: string, domains: SimDomainSpec[], mode: TNetworkMode): Promise<void> {
  await fs.mkdir(configDir, { recursive: true });
  for (const domain of domains) {
    const file = path.join(configDir, `${domain.name}.cfg`);
    await fs.writeFile(file, printDomainConfig(domain, mode), { flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
  }
}

function printDomainConfig(domain: SimDomainSpec, mode: TNetworkMode): string {
  const vifs = domain.vifs.map((vif) => {
    const fields = [`mac=${vif.mac}`];
    if (vif.bridge) fields.push(`bridge=${vif.bridge}`);
    if (vif.ips.length > 0) fields.push(`ip=${vif.ips.join(" ")}`);
    if (vif.vifname) fields.push(`vifname=${vif.vifname}`);
    if (mode !== "bridge") fields.push(`script=vif-${mode}`);
    if (vif.rate) fields.push(`rate=${Math.round((vif.rate.bytesPerInterval * 1e6) / vif.rate.intervalUsecs)}B/s`);
    return `    '${fields.join(",")}',`;
  });
  const lines = [
    `# ${domain.name}: written by the vifdeck simulated host`,
    `name = "${domain.name}"`,
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
