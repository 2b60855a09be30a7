// xl network-attach arguments: each word after the domain is one token for
// parse_nic_config, with no comma splitting and no space stripping
// (xl-syntax.md §6.1). Any problem xl reports there is fatal.

import { makeDiagnostic, type TDiagnostic } from "./diagnostics";
import { applyVifTokens, checkVifEntry, listVifEntries, VIF_VALUE_KEYS, type TParsedVif, type TVifDefaults, type TVif, type TVifEntry, type TVifToken } from "./vif-spec";

export type TNetworkAttachParse = {
  /** xl accepts the arguments (the attach itself may still fail in libxl or the hotplug script). */
  ok: boolean;
  /** No error-severity diagnostic: also nothing that is known to fail later (e.g. a vifname over 15 bytes). */
  valid: boolean;
  domain: string | null;
  vif: TParsedVif;
  diagnostics: TDiagnostic[];
};

function tokenFromArg(word: string, arg: number, rest: readonly string[]): TVifToken {
  const eq = word.indexOf("=");
  const key = eq >= 0 ? word.slice(0, eq) : word;
  const value = eq >= 0 ? word.slice(eq + 1) : null;
  let kind: TVifToken["kind"];
  const known = ["trusted", "untrusted"];
  if (word === "") kind = "empty";
  else if (eq < 0) kind = known.includes(word) ? "flag" : "bare";
  else kind = isValueKey(key) ? "option" : "unknown";
  return { text: word, start: 0, end: word.length, arg, key, value, kind, following: rest.length > 0 ? rest.join("\0") : null };
}

const VALUE_KEYS: ReadonlySet<string> = new Set(VIF_VALUE_KEYS);
function isValueKey(key: string): boolean {
  return VALUE_KEYS.has(key);
}

/**
 * Reads `xl network-attach` arguments. argv may start with "xl" and/or
 * "network-attach"; then the domain, then the vif words.
 */
export function parseNetworkAttachArgv(argv: readonly string[], options: { guestType?: "pv" | "pvh" | "hvm" | null; defaults?: TVifDefaults } = {}): TNetworkAttachParse {
  let i = 0;
  if (argv[i] === "xl") i++;
  if (argv[i] === "network-attach") i++;
  const domain = argv[i] ?? null;
  const words = argv.slice(i + 1);
  const tokens = words.map((w, k) => tokenFromArg(w, k, words.slice(k + 1)));
  const vif = applyVifTokens(words.join(" "), tokens, { context: "attach", source: "command line", guestType: options.guestType ?? null, ...(options.defaults ? { defaults: options.defaults } : {}) });
  const diagnostics: TDiagnostic[] = [];
  if (domain === null || domain === "") {
    diagnostics.push(
      makeDiagnostic("ATTACH_NO_DOMAIN", "xl network-attach needs a domain.", { line: 1, column: 1 }, "Give the domain name or id first.", {
        xlMessage: "'xl network-attach' requires at least 1 argument.",
      }),
    );
  }
  for (const t of tokens) {
    if (t.text.includes(",") && (t.kind === "option" || t.kind === "unknown")) {
      diagnostics.push(
        makeDiagnostic("ATTACH_COMMA_IN_ARG", `network-attach does not split '${t.text}' on commas: ${t.key} gets the whole text after '='.`, { line: 1, column: 1 }, "Give each key=value as its own argument."),
      );
    }
  }
  for (const issue of vif.issues) diagnostics.push({ ...issue.diagnostic, line: 1, column: 1 + (issue.arg ?? 0) });
  const ok = domain !== null && domain !== "" && !vif.fatal;
  return { ok, valid: ok && !diagnostics.some((d) => d.severity === "error"), domain, vif, diagnostics };
}

export type TNetworkAttachArgv = { ok: boolean; argv: string[]; diagnostics: TDiagnostic[] };

/**
 * The argv for `xl network-attach <domain> key=value …` from a structured vif
 * (or ordered entries). Refuses what xl cannot carry, and values that could
 * not be written back to the config file (a comma), so that the live and the
 * persistent change are the same.
 */
export function formatNetworkAttachArgv(domain: string, vif: TVif | readonly TVifEntry[]): TNetworkAttachArgv {
  const entries = Array.isArray(vif) ? (vif as readonly TVifEntry[]) : listVifEntries(vif as TVif);
  const diagnostics: TDiagnostic[] = [];
  if (domain === "" || domain.startsWith("-") || /[\s\0]/.test(domain)) {
    diagnostics.push(makeDiagnostic("ATTACH_NO_DOMAIN", `${JSON.stringify(domain)} is not a usable domain name or id.`, { line: 1, column: 1 }, "Give the domain's name or numeric id."));
  }
  const argv = ["network-attach", domain];
  for (const { key, value } of entries) {
    const problem = checkVifEntry(key, value, "config");
    if (problem) {
      diagnostics.push(problem);
      continue;
    }
    argv.push(value === null ? key : `${key}=${value}`);
  }
  const check = parseNetworkAttachArgv(argv);
  for (const d of check.diagnostics) if (d.severity === "error" && !diagnostics.some((x) => x.code === d.code)) diagnostics.push(d);
  return { ok: !diagnostics.some((d) => d.severity === "error"), argv, diagnostics };
}
