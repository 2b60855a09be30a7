// Validation of a set of config files against each other and against what is
// on the running host: MAC conflicts, vifname conflicts, bridges that do not
// exist, and the needs of routed/NAT networking.

import { z } from "zod";
import { makeDiagnostic, type TDiagnostic } from "./diagnostics";
import { getXlString, parseXlConfig, type TConfigVif, type TParseConfigResult, type TXlConfig } from "./config";
import { normalizeMac } from "./mac";

export const ZHostFactsSchema = z.object({
  /** Bridges that exist on the host. */
  bridges: z.array(z.string()),
  /** Guest MACs currently in use (xenstore / xl network-list, not the fe:ff:… of the dom0 side). */
  macsInUse: z.array(z.object({ mac: z.string(), where: z.string(), domain: z.string().optional() })),
  networkMode: z.enum(["bridge", "route", "nat"]).optional(),
  /** vif.default.bridge from xl.conf (xl's own default is xenbr0). */
  defaultBridge: z.string().optional(),
});
export type THostFacts = z.infer<typeof ZHostFactsSchema>;

export const DEFAULT_BRIDGE = "xenbr0";

export type TConfigFileInput = { name: string; text: string } | { name: string; parsed: TParseConfigResult };

export type TValidatedFile = {
  name: string;
  ok: boolean;
  config: TXlConfig;
  diagnostics: TDiagnostic[];
};

export type TValidationResult = {
  /** No file has an error. */
  ok: boolean;
  files: TValidatedFile[];
  /** Every diagnostic, each with its file. */
  diagnostics: TDiagnostic[];
  /** Every MAC seen in the files, with where it is used. */
  macs: { mac: string; file: string; domain: string | null; index: number }[];
};

function domainName(config: TXlConfig): string | null {
  return getXlString(config, "name");
}

function isSameDomain(entry: { where: string; domain?: string | undefined }, name: string | null): boolean {
  if (name === null) return false;
  if (entry.domain !== undefined) return entry.domain === name;
  const w = entry.where;
  return w === name || w.startsWith(name + "/") || w.startsWith(name + " ") || w.startsWith(name + ":") || w.startsWith(name + ".");
}

/**
 * Validates config files together and against the host. MAC duplicates inside a
 * file, across files and against the host's MACs in use are errors; so are
 * duplicate vifnames across files.
 */
export function validateXlConfigs(files: readonly TConfigFileInput[], host: THostFacts = { bridges: [], macsInUse: [] }): TValidationResult {
  const parsed: TValidatedFile[] = files.map((f) => {
    const r = "parsed" in f ? f.parsed : parseXlConfig(f.text, { source: f.name });
    return { name: f.name, ok: true, config: r.config, diagnostics: r.diagnostics.map((d) => ({ ...d, file: f.name })) };
  });
  const macOwners = new Map<string, { file: TValidatedFile; vif: TConfigVif }[]>();
  const nameOwners = new Map<string, { file: TValidatedFile; vif: TConfigVif }[]>();
  const macs: TValidationResult["macs"] = [];
  const hostMacs = new Map<string, { mac: string; where: string; domain?: string | undefined }[]>();
  for (const m of host.macsInUse) {
    const n = normalizeMac(m.mac);
    if (n === null) continue;
    const list = hostMacs.get(n) ?? [];
    list.push(m);
    hostMacs.set(n, list);
  }
  const bridges = new Set(host.bridges);
  const mode = host.networkMode ?? "bridge";
  const defaultBridge = host.defaultBridge ?? DEFAULT_BRIDGE;

  for (const file of parsed) {
    const name = domainName(file.config);
    for (const vif of file.config.vifList.vifs) {
      const where = { line: vif.line, column: vif.column };
      const eff = vif.effective;
      if (eff.mac !== null) {
        macs.push({ mac: eff.mac, file: file.name, domain: name, index: vif.index });
        const owners = macOwners.get(eff.mac) ?? [];
        if (!owners.some((o) => o.file === file)) owners.push({ file, vif });
        macOwners.set(eff.mac, owners);
        const users = (hostMacs.get(eff.mac) ?? []).filter((u) => !isSameDomain(u, name));
        if (users.length > 0) {
          file.diagnostics.push(
            makeDiagnostic("VIF_MAC_DUPLICATE", `MAC ${eff.mac} is already in use on this host (${users.map((u) => u.where).join(", ")}): a MAC conflict takes the network down.`, where, "Pick another MAC (the generator checks the host and every config).", { file: file.name }),
          );
        }
      }
      if (eff.vifname) {
        const owners = nameOwners.get(eff.vifname) ?? [];
        if (!owners.some((o) => o.file === file)) owners.push({ file, vif });
        nameOwners.set(eff.vifname, owners);
      }
      if (mode === "bridge") {
        const bridge = eff.bridge ?? defaultBridge;
        if (eff.bridge !== "" && host.bridges.length > 0 && !bridges.has(bridge)) {
          file.diagnostics.push(
            makeDiagnostic("VIF_BRIDGE_UNKNOWN", eff.bridge === null ? `This vif has no bridge=, so it goes to the default bridge ${bridge}, which does not exist on this host: the hotplug script fails ("Could not find bridge device ${bridge}").` : `Bridge ${JSON.stringify(bridge)} does not exist on this host: the hotplug script fails ("Could not find bridge device ${bridge}").`, where, `Use one of: ${host.bridges.join(", ")}.`, { file: file.name }),
          );
        }
        if (eff.ips.length === 0 && eff.ip === null) {
          file.diagnostics.push(makeDiagnostic("VIF_NO_IP", "No ip= on this vif: the antispoofing rules of vif-bridge cannot be applied to it.", where, "Add ip=<the guest's address> to enable antispoofing.", { file: file.name }));
        }
      } else {
        if (eff.ip === null || eff.ips.length === 0) {
          file.diagnostics.push(makeDiagnostic("VIF_ROUTE_NEEDS_IP", `In ${mode === "route" ? "routed" : "NAT"} networking every vif needs ip=: the host route and firewall rules are made from it.`, where, "Add ip=<the guest's address>.", { file: file.name }));
        }
        if (eff.bridge !== null) {
          file.diagnostics.push(makeDiagnostic("VIF_ROUTE_BRIDGE_IGNORED", `bridge= has no effect in ${mode === "route" ? "routed" : "NAT"} networking (vif-${mode} puts no vif on a bridge).`, where, "Remove bridge=, or switch the host to bridged networking.", { file: file.name }));
        }
      }
    }
  }
  for (const [mac, owners] of macOwners) {
    if (owners.length < 2) continue;
    for (const o of owners) {
      const others = owners.filter((x) => x !== o).map((x) => `${x.file.name} (vif ${x.vif.index})`);
      o.file.diagnostics.push(
        makeDiagnostic("VIF_MAC_DUPLICATE", `MAC ${mac} is also used in ${others.join(", ")}: a MAC conflict takes the network down when both guests run.`, { line: o.vif.line, column: o.vif.column }, "Give each vif its own MAC.", { file: o.file.name }),
      );
    }
  }
  for (const [vifname, owners] of nameOwners) {
    if (owners.length < 2) continue;
    for (const o of owners) {
      const others = owners.filter((x) => x !== o).map((x) => x.file.name);
      o.file.diagnostics.push(
        makeDiagnostic("VIF_VIFNAME_DUPLICATE", `vifname '${vifname}' is also used in ${others.join(", ")}: the second guest to start cannot rename its vif, which stays down.`, { line: o.vif.line, column: o.vif.column }, "Give each vif its own vifname.", { file: o.file.name }),
      );
    }
  }
  for (const f of parsed) f.ok = !f.diagnostics.some((d) => d.severity === "error");
  return { ok: parsed.every((f) => f.ok), files: parsed, diagnostics: parsed.flatMap((f) => f.diagnostics), macs };
}

/** Every MAC known on the host and in the given configs (for the generator). */
export function collectKnownMacs(configs: readonly TXlConfig[], host?: Pick<THostFacts, "macsInUse">): string[] {
  const out = new Set<string>();
  for (const c of configs) for (const v of c.vifList.vifs) if (v.effective.mac) out.add(v.effective.mac);
  for (const m of host?.macsInUse ?? []) {
    const n = normalizeMac(m.mac);
    if (n) out.add(n);
  }
  return [...out];
}

export type TXlConfDefaults = { bridge: string | null; script: string | null; gatewaydev: string | null; backend: string | null; diagnostics: TDiagnostic[] };

/** The vif defaults of /etc/xen/xl.conf (vif.default.* win over the deprecated vifscript/defaultbridge). */
export function readXlConfDefaults(config: TXlConfig): TXlConfDefaults {
  const diagnostics: TDiagnostic[] = [];
  const pick = (name: string, old: string | null): string | null => {
    const v = getXlString(config, name);
    if (v !== null) return v;
    if (old === null) return null;
    const o = getXlString(config, old);
    if (o !== null) {
      diagnostics.push(
        makeDiagnostic("XL_DUPLICATE_SETTING", `${old} is deprecated.`, { line: 1, column: 1 }, `Use ${name}.`, {
          severity: "warning",
          xlMessage: `the global config option ${old} is deprecated, please switch to ${name}`,
        }),
      );
    }
    return o;
  };
  return {
    script: pick("vif.default.script", "vifscript"),
    bridge: pick("vif.default.bridge", "defaultbridge"),
    gatewaydev: pick("vif.default.gatewaydev", null),
    backend: pick("vif.default.backend", null),
    diagnostics,
  };
}
