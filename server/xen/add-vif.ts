// One new vif for a guest, the same in the live attach and in its config file:
// the MAC is generated once (checked against the host and every config) and
// used for both the network-attach argv and the config edit.

import { makeDiagnostic, type TDiagnostic } from "./diagnostics";
import { listVifs, type TXlConfig } from "./config";
import { insertVifEntry, type TEditResult } from "./edit";
import { generateXenMac, normalizeMac, type TRandomBytes } from "./mac";
import { formatNetworkAttachArgv } from "./network-attach";
import type { TVif } from "./vif-spec";

export type TVifAdditionPlan = {
  ok: boolean;
  /** The vif with its MAC filled in. */
  vif: TVif;
  /** argv for the agent: ["network-attach", domain, "mac=…", …]. */
  argv: string[];
  /** The config with the vif appended to its list (only that setting's bytes change). */
  edit: TEditResult;
  diagnostics: TDiagnostic[];
};

/**
 * Plans adding `vif` to `domain`: fills in a fresh MAC when it has none (never one
 * of `knownMacs` nor one in the config), then builds the attach argv and the
 * config edit from the same values. Nothing is refused silently: ok is false
 * with diagnostics when either side cannot carry the vif.
 */
export function planVifAddition(input: { config: TXlConfig; domain: string; vif: TVif; knownMacs: Iterable<string>; randomBytes?: TRandomBytes }): TVifAdditionPlan {
  const diagnostics: TDiagnostic[] = [];
  const known = new Set<string>();
  for (const m of input.knownMacs) {
    const n = normalizeMac(m);
    if (n) known.add(n);
  }
  for (const v of listVifs(input.config)) if (v.effective.mac) known.add(v.effective.mac);
  const vif: TVif = { ...input.vif };
  if (vif.mac === undefined) {
    const mac = generateXenMac(known, input.randomBytes);
    if (mac === null) {
      diagnostics.push(makeDiagnostic("VIF_MAC_DUPLICATE", "Could not find a free MAC in 00:16:3e.", { line: 1, column: 1 }, "Give a MAC explicitly.", { severity: "error" }));
    } else vif.mac = mac;
  } else {
    const n = normalizeMac(vif.mac);
    if (n && known.has(n)) {
      diagnostics.push(makeDiagnostic("VIF_MAC_DUPLICATE", `MAC ${n} is already in use on the host or in this config.`, { line: 1, column: 1 }, "Leave the MAC empty to generate a free one."));
    }
  }
  const attach = formatNetworkAttachArgv(input.domain, vif);
  diagnostics.push(...attach.diagnostics);
  const edit = insertVifEntry(input.config, listVifs(input.config).length, vif);
  diagnostics.push(...edit.editDiagnostics.filter((d) => !diagnostics.some((x) => x.code === d.code)));
  const ok = attach.ok && edit.applied && !diagnostics.some((d) => d.severity === "error");
  return { ok, vif, argv: attach.argv, edit, diagnostics };
}
