import { HostError, type HostDriver } from "~/server/host/driver";
import type { TInventory, TVif } from "~/server/host/inventory";
import { computeSecurityPosture } from "~/server/host/security/posture";
import {
  collectKnownMacs,
  DEVID_ATTACH_LIMIT,
  formatNetworkAttachArgv,
  generateXenMac,
  insertVifEntry,
  normalizeMac,
  parseXlConfig,
  removeVifEntry,
  type TDiagnostic,
  type TVif as TXenVif,
  type TXlConfig,
} from "~/server/xen";

import type { ConfigStore } from "./config-store";
import type { AgentParams, AgentResult, TAttachVif } from "./protocol";

/**
 * The agent's operations that change the host, and the config-file reads
 * and writes. The rules every driver shares live here: a request is checked
 * against the Xen rules (server/xen) and the live host before any command
 * runs; the result is checked after (xl reports success for vifs whose
 * hotplug failed); what a failed attach leaves behind is removed, because
 * libxl keeps the failed device in the domain's stored config and the guest
 * is then destroyed at its next reboot (fixtures 107–111, 140).
 */
export type Operations = ReturnType<typeof createOperations>;

/** Longer vifnames break some iptables versions' interface matches. */
const VIFNAME_WARN = 8;

export function createOperations(driver: HostDriver, configs: ConfigStore) {
  const domainLocks = new Map<string, Promise<unknown>>();

  /** Calls on the same domain run one after the other. */
  async function withDomainLock<T>(domain: string, work: () => Promise<T>): Promise<T> {
    const previous = domainLocks.get(domain) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(work);
    domainLocks.set(domain, run);
    try {
      return await run;
    } finally {
      if (domainLocks.get(domain) === run) domainLocks.delete(domain);
    }
  }

  async function readAllConfigs(): Promise<{ name: string; config: TXlConfig }[]> {
    const files = await configs.list();
    const parsed = [];
    for (const file of files) {
      const { content } = await configs.read(file.name);
      parsed.push({ name: file.name, config: parseXlConfig(content, { source: file.name }).config });
    }
    return parsed;
  }

  async function writeConfig(params: AgentParams<"writeConfig">): Promise<AgentResult<"writeConfig">> {
    const parsed = parseXlConfig(params.content, { source: params.name });
    const errors = parsed.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0) {
      throw new HostError(
        "INVALID_INPUT",
        `xl would refuse ${params.name}, so it was not written: ${errors.slice(0, 3).map(describeDiagnostic).join("; ")}`,
      );
    }
    const written = await configs.write(params.name, params.content, params.expectedSha256);
    const warnings = parsed.diagnostics.filter((d) => d.severity === "warning").map(describeDiagnostic);
    return { ...written, warnings };
  }

  async function attachVif(params: AgentParams<"attachVif">): Promise<AgentResult<"attachVif">> {
    return withDomainLock(params.domain, async () => {
      const inventory = await driver.readInventory();
      const domain = findGuest(inventory, params.domain);
      const warnings: string[] = [];
      const allConfigs = await readAllConfigs();
      const knownMacs = new Set([
        ...inventory.vifs.map((v) => normalizeMac(v.mac)).filter((m): m is string => m !== null),
        ...collectKnownMacs(allConfigs.map((c) => c.config)),
      ]);

      const vif = params.vif;
      checkAttachAgainstHost(vif, inventory, warnings);
      const mac = vif.mac ? (normalizeMac(vif.mac) as string) : generateXenMac(knownMacs);
      if (!mac) throw new HostError("CONFLICT", "no free MAC address could be generated in the 00:16:3e prefix");
      if (vif.mac && knownMacs.has(mac)) {
        throw new HostError(
          "CONFLICT",
          `MAC ${mac} is already used on this host or in a config file: two guests with one MAC take each other's traffic; leave the MAC empty to have one generated`,
        );
      }

      const devids = inventory.vifs.filter((v) => v.domid === domain.domid && v.kind === "vif").map((v) => v.devid);
      if (devids.includes(DEVID_ATTACH_LIMIT)) {
        throw new HostError(
          "CONFLICT",
          `${domain.name} has a vif with devid ${DEVID_ATTACH_LIMIT}: xl refuses every further attach ("device already exists in xenstore") until that vif is detached`,
        );
      }
      const devid = lowestFree(devids);
      if (devid >= DEVID_ATTACH_LIMIT) {
        warnings.push(`this vif gets devid ${devid}: while it exists xl refuses every further attach to ${domain.name}`);
      }

      const xenVif: TXenVif = { ...toXenVif(vif), mac };
      const argv = formatNetworkAttachArgv(domain.name, xenVif);
      if (!argv.ok) {
        throw new HostError("INVALID_INPUT", `xl would refuse this vif: ${argv.diagnostics.filter((d) => d.severity === "error").map(describeDiagnostic).join("; ")}`);
      }
      const tokens = argv.argv.slice(2);

      let outcome;
      try {
        outcome = await driver.attachVif({ domain: domain.name, tokens });
      } catch (error) {
        const cleaned = await removeLeftover(domain.name, domain.domid, mac);
        if (error instanceof HostError && cleaned) {
          throw new HostError(error.code, `${error.message} (vifdeck removed the half-attached devid ${cleaned}, so the guest survives its next reboot)`, error.details);
        }
        throw error;
      }

      const after = await driver.readInventory();
      const attached = after.vifs.find((v) => v.domid === domain.domid && v.kind === "vif" && normalizeMac(v.mac) === mac);
      const problem = verifyAttached(attached, vif.bridge ?? null, inventory.host.networkMode);
      if (!attached || problem) {
        const cleaned = await removeLeftover(domain.name, domain.domid, mac);
        throw new HostError(
          "COMMAND_FAILED",
          `xl reported success, but ${problem ?? "the vif did not appear"}${cleaned !== null ? `; vifdeck detached devid ${cleaned} again` : ""}`,
          { command: outcome.command, exitCode: outcome.exitCode },
        );
      }

      const persisted = params.persist ? await persistAttach(domain.configFile, domain.name, xenVif, warnings) : null;
      return {
        command: outcome.command,
        exitCode: outcome.exitCode,
        domain: domain.name,
        devid: attached.devid,
        mac,
        kernelName: attached.kernelName,
        warnings,
        persisted,
      };
    });
  }

  async function detachVif(params: AgentParams<"detachVif">): Promise<AgentResult<"detachVif">> {
    return withDomainLock(params.domain, async () => {
      const inventory = await driver.readInventory();
      const domain = findGuest(inventory, params.domain);
      const interfaces = inventory.vifs.filter((v) => v.domid === domain.domid && v.devid === params.devid);
      const vif = interfaces.find((v) => v.kind === "vif");
      if (!vif) throw new HostError("NOT_FOUND", `${domain.name} has no vif with devid ${params.devid}`);

      // The last counters first: what the vif moved since the collector's last tick is not lost.
      const counters = await driver.readCounters();
      const names = new Set(interfaces.map((v) => v.kernelName));
      const final = { at: counters.at, interfaces: counters.interfaces.filter((c) => names.has(c.name)) };

      const outcome = await driver.detachVif({ domain: domain.name, devid: params.devid });
      const warnings: string[] = [];
      const persisted = params.persist ? await persistDetach(domain.configFile, vif, warnings) : null;
      return {
        command: outcome.command,
        exitCode: outcome.exitCode,
        domain: domain.name,
        devid: params.devid,
        final,
        warnings,
        persisted,
      };
    });
  }

  /** Detaches what a failed attach left behind (found by its MAC); returns its devid, or null. */
  async function removeLeftover(domain: string, domid: number, mac: string): Promise<number | null> {
    const now = await driver.readInventory().catch(() => null);
    const leftover = now?.vifs.find((v) => v.domid === domid && v.kind === "vif" && normalizeMac(v.mac) === mac);
    if (!leftover) return null;
    await driver.detachVif({ domain, devid: leftover.devid }).catch(() => {});
    return leftover.devid;
  }

  async function persistAttach(configFile: string | null, domain: string, vif: TXenVif, warnings: string[]) {
    if (!configFile) {
      warnings.push(`${domain} has no known config file: the vif is attached now but will be gone after the guest is stopped`);
      return null;
    }
    const file = await configs.read(configFile);
    const parsed = parseXlConfig(file.content, { source: configFile });
    const edit = insertVifEntry(parsed.config, parsed.config.vifList.vifs.length, vif);
    if (!edit.applied) {
      warnings.push(`the vif is attached, but ${configFile} could not be edited: ${edit.editDiagnostics.map(describeDiagnostic).join("; ")}`);
      return null;
    }
    const written = await configs.write(configFile, edit.config.text, file.sha256);
    return { name: configFile, sha256: written.sha256, backup: written.backup };
  }

  async function persistDetach(configFile: string | null, vif: TVif, warnings: string[]) {
    if (!configFile) {
      warnings.push(`${vif.domain} has no known config file: nothing to remove there`);
      return null;
    }
    const file = await configs.read(configFile);
    const parsed = parseXlConfig(file.content, { source: configFile });
    const mac = normalizeMac(vif.mac);
    const entries = parsed.config.vifList.vifs;
    // The config's vif with the same MAC; else the one that gets this devid.
    const entry = entries.find((e) => e.effective.mac !== null && normalizeMac(e.effective.mac) === mac) ?? entries.find((e) => e.devid === vif.devid);
    if (!entry) {
      warnings.push(`${configFile} has no vif with MAC ${vif.mac} or devid ${vif.devid}: the file was left as it is`);
      return null;
    }
    const edit = removeVifEntry(parsed.config, entry.index);
    if (!edit.applied) {
      warnings.push(`${configFile} could not be edited: ${edit.editDiagnostics.map(describeDiagnostic).join("; ")}`);
      return null;
    }
    const written = await configs.write(configFile, edit.config.text, file.sha256);
    return { name: configFile, sha256: written.sha256, backup: written.backup };
  }

  async function readSecurityPosture(): Promise<AgentResult<"securityPosture">> {
    const [facts, inventory, files] = await Promise.all([driver.readSecurityFacts(), driver.readInventory(), configs.readAll()]);
    return computeSecurityPosture({ facts, inventory, configs: files.map((c) => ({ name: c.name, content: c.content })) });
  }

  return {
    readSecurityPosture,
    listConfigs: () => configs.list(),
    readConfig: (params: AgentParams<"readConfig">) => configs.read(params.name),
    writeConfig,
    attachVif,
    detachVif,
  };
}

function findGuest(inventory: TInventory, ref: string) {
  const domain = inventory.domains.find((d) => d.name === ref || String(d.domid) === ref);
  if (!domain) throw new HostError("NOT_FOUND", `${ref} is not a running domain on this host`);
  if (domain.domid === 0) throw new HostError("INVALID_INPUT", "vifs are attached to guests, not to Domain-0");
  return domain;
}

/** Refuses, before xl runs, what would fail in the hotplug script and leave a half-attached device. */
function checkAttachAgainstHost(vif: TAttachVif, inventory: TInventory, warnings: string[]): void {
  const mode = inventory.host.networkMode;
  if (vif.bridge !== undefined) {
    if (mode !== "bridge") {
      warnings.push(`the host is in ${mode} mode: bridge=${vif.bridge} is only used by vif-bridge`);
    } else if (!inventory.bridges.some((b) => b.name === vif.bridge)) {
      throw new HostError(
        "INVALID_INPUT",
        `there is no bridge ${vif.bridge} on this host (it has ${inventory.bridges.map((b) => b.name).join(", ") || "none"}): vif-bridge would fail with "Could not find bridge device ${vif.bridge}"`,
      );
    }
  }
  if (mode !== "bridge" && (vif.ip === undefined || vif.ip.length === 0)) {
    throw new HostError("INVALID_INPUT", `in ${mode} mode a vif needs ip=: vif-${mode} routes and filters by the guest's address`);
  }
  if (vif.vifname !== undefined) {
    // Over 15 characters is refused by the protocol's schema already.
    const taken = [...inventory.vifs.map((v) => v.kernelName), ...inventory.nics.map((n) => n.name), ...inventory.bridges.map((b) => b.name)];
    if (taken.includes(vif.vifname)) {
      throw new HostError("CONFLICT", `an interface named ${vif.vifname} already exists on this host: choose another vifname`);
    }
    if (vif.vifname.length > VIFNAME_WARN) {
      warnings.push(`vifname "${vif.vifname}" is longer than ${VIFNAME_WARN} characters: some iptables versions mismatch such interface names`);
    }
  }
}

/** Why an attached vif does not work, or null when it is up (and on its bridge, or on some bridge, in bridge mode). */
function verifyAttached(vif: TVif | undefined, bridge: string | null, mode: TInventory["host"]["networkMode"]): string | null {
  if (!vif) return null;
  if (vif.operState !== "up") return `${vif.kernelName} is down (its hotplug script failed)`;
  if (mode !== "bridge") return null;
  if (vif.bridge === null) return `${vif.kernelName} is on no bridge`;
  if (bridge !== null && vif.bridge !== bridge) return `${vif.kernelName} is on ${vif.bridge}, not on ${bridge}`;
  return null;
}

function lowestFree(devids: number[]): number {
  const taken = new Set(devids);
  let devid = 0;
  while (taken.has(devid)) devid++;
  return devid;
}

function toXenVif(vif: TAttachVif): TXenVif {
  return {
    ...(vif.bridge !== undefined ? { bridge: vif.bridge } : {}),
    ...(vif.ip !== undefined && vif.ip.length > 0 ? { ip: vif.ip } : {}),
    ...(vif.vifname !== undefined ? { vifname: vif.vifname } : {}),
    ...(vif.rate !== undefined ? { rate: vif.rate } : {}),
    ...(vif.script !== undefined ? { script: vif.script } : {}),
    ...(vif.model !== undefined ? { model: vif.model } : {}),
    ...(vif.mtu !== undefined ? { mtu: vif.mtu } : {}),
  };
}

function describeDiagnostic(d: TDiagnostic): string {
  return `line ${d.line}, column ${d.column}: ${d.message}`;
}
