// Legacy formats (Xen ≤ 4.4): vif lines of xm's Python config files, and the
// network lines of xend-config.sxp (xl-syntax.md §7). Read-only helpers for
// migrating old hosts; nothing here runs Python.

import { createPositionMap, locateOffset, makeDiagnostic, type TDiagnostic } from "./diagnostics";
import type { TVifEntry } from "./vif-spec";

/** The vif keys xm accepted (X-4.4 configure_vifs). */
export const XM_VIF_KEYS = ["backend", "bridge", "ip", "mac", "script", "type", "vifname", "rate", "model", "accel", "policy", "label"] as const;
const XM_KEY_SET: ReadonlySet<string> = new Set(XM_VIF_KEYS);

export type TXmVif = {
  spec: string;
  /** Keys and values as xm read them: both stripped on both sides, last one wins. */
  entries: TVifEntry[];
  /** The same vif written for xl (no blanks around = or ,). */
  xlSpec: string;
  ok: boolean;
  diagnostics: TDiagnostic[];
};

/** One xm vif string through comma_sep_kv_to_dict and configure_vifs. */
export function parseXmVifSpec(spec: string): TXmVif {
  const diagnostics: TDiagnostic[] = [];
  const entries: TVifEntry[] = [];
  const where = { line: 1, column: 1 };
  const c = spec.trim();
  if (c.length > 0) {
    for (const piece of c.split(",")) {
      const eq = piece.indexOf("=");
      if (eq < 0) {
        diagnostics.push(
          makeDiagnostic("XM_NOT_PAIR", `xm needs key=value; ${JSON.stringify(piece)} is not a pair.`, where, "Remove the empty field or add '=value'.", {
            xlMessage: `Error: ${piece} should be a pair, separated by an equals sign.`,
          }),
        );
        continue;
      }
      const key = piece.slice(0, eq).trim();
      const value = piece.slice(eq + 1).trim();
      if (!XM_KEY_SET.has(key)) {
        diagnostics.push(makeDiagnostic("XM_INVALID_OPTION", `xm does not know the vif key ${JSON.stringify(key)}.`, where, `xm allowed: ${XM_VIF_KEYS.join(", ")}.`, { xlMessage: `Error: Invalid vif option: ${key}` }));
      }
      const existing = entries.findIndex((e) => e.key === key);
      if (existing >= 0) entries.splice(existing, 1);
      entries.push({ key, value });
    }
  }
  const xlSpec = entries
    .filter((e) => e.key !== "policy" && e.key !== "label" && e.key !== "accel")
    .map((e) => `${e.key}=${e.value ?? ""}`)
    .join(",");
  return { spec, entries, xlSpec, ok: diagnostics.length === 0, diagnostics };
}

type TPyString = { value: string; start: number; end: number };

/** Reads one Python string literal at i (', ", ''' or """, with an optional r/u/b prefix). */
function readPythonString(text: string, i: number): TPyString | null {
  let p = i;
  let raw = false;
  while (p < text.length && /[rRuUbB]/.test(text.charAt(p)) && p - i < 2) {
    if (text.charAt(p) === "r" || text.charAt(p) === "R") raw = true;
    p++;
  }
  const q = text.charAt(p);
  if (q !== "'" && q !== '"') return null;
  const triple = text.startsWith(q.repeat(3), p);
  const close = triple ? q.repeat(3) : q;
  let j = p + close.length;
  let value = "";
  while (j < text.length) {
    if (text.startsWith(close, j)) return { value, start: i, end: j + close.length };
    const ch = text.charAt(j);
    if (!triple && ch === "\n") return null;
    if (ch === "\\" && j + 1 < text.length) {
      const nx = text.charAt(j + 1);
      if (raw) value += ch + nx;
      else if (nx === "n") value += "\n";
      else if (nx === "t") value += "\t";
      else if (nx === "\n") value += "";
      else if (nx === "\\" || nx === "'" || nx === '"') value += nx;
      else value += ch + nx;
      j += 2;
      continue;
    }
    value += ch;
    j++;
  }
  return null;
}

export type TXmVifLine = {
  found: boolean;
  vifs: TXmVif[];
  /** 1-based line of the vif assignment. */
  line: number;
  diagnostics: TDiagnostic[];
};

/**
 * Finds the last top-level `vif = [ … ]` of an xm (Python) config and reads its
 * string elements (adjacent literals are joined, as in Python).
 */
export function parseXmVifLine(text: string): TXmVifLine {
  const map = createPositionMap(text);
  const re = /^vif[ \t]*=[ \t]*/gm;
  let m: RegExpExecArray | null;
  let lastAt = -1;
  while ((m = re.exec(text)) !== null) lastAt = m.index + m[0].length;
  if (lastAt < 0) return { found: false, vifs: [], line: 0, diagnostics: [] };
  const line = locateOffset(map, lastAt).line;
  const diagnostics: TDiagnostic[] = [];
  const fail = (msg: string, at: number): TXmVifLine => {
    const p = locateOffset(map, at);
    diagnostics.push(makeDiagnostic("XM_SYNTAX", msg, p, "Write vif as a list of quoted strings."));
    return { found: true, vifs: [], line, diagnostics };
  };
  const open = text.charAt(lastAt);
  if (open !== "[" && open !== "(") return fail("vif is not a list literal; only literal lists can be read without running Python.", lastAt);
  const closeCh = open === "[" ? "]" : ")";
  const strings: string[] = [];
  let current: string | null = null;
  let i = lastAt + 1;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || (ch === "\\" && text.charAt(i + 1) === "\n")) {
      i += ch === "\\" ? 2 : 1;
      continue;
    }
    if (ch === "#") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
      continue;
    }
    if (ch === ",") {
      if (current !== null) strings.push(current);
      current = null;
      i++;
      continue;
    }
    if (ch === closeCh) {
      if (current !== null) strings.push(current);
      return { found: true, vifs: strings.map(parseXmVifSpec), line, diagnostics };
    }
    const s = readPythonString(text, i);
    if (!s) return fail("An element of vif is not a plain string literal (xm would evaluate it as Python).", i);
    current = (current ?? "") + s.value;
    i = s.end;
  }
  return fail("The vif list is never closed.", lastAt);
}

// ---------------------------------------------------------------------------
// xend-config.sxp

export type TSxp = string | TSxp[];

export type TXendNetworkConfig = {
  /** (network-script …): the script and its arguments (split on single spaces, as xend did). */
  networkScript: { script: string; args: string[]; raw: string } | null;
  /** (vif-script …): the default per-vif script and its arguments. */
  vifScript: { script: string; args: string[]; raw: string } | null;
  /** bridge= / netdev= arguments of network-script. */
  bridge: string | null;
  netdev: string | null;
  /** bridge, route or nat, from the script names. */
  mode: "bridge" | "route" | "nat" | null;
  diagnostics: TDiagnostic[];
};

/** Parses S-expressions: ( ) lists, atoms, '…' and "…" strings with \-escapes, # comments. */
export function parseSxp(text: string): { values: TSxp[]; diagnostics: TDiagnostic[] } {
  const map = createPositionMap(text);
  const diagnostics: TDiagnostic[] = [];
  const root: TSxp[] = [];
  const stack: TSxp[][] = [root];
  const opens: number[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "#") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
      continue;
    }
    const top = stack[stack.length - 1] ?? root;
    if (ch === "(") {
      const l: TSxp[] = [];
      top.push(l);
      stack.push(l);
      opens.push(i);
      i++;
      continue;
    }
    if (ch === ")") {
      if (stack.length === 1) {
        diagnostics.push(makeDiagnostic("SXP_SYNTAX", "A ')' without its '('.", locateOffset(map, i), "Remove it."));
      } else {
        stack.pop();
        opens.pop();
      }
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let v = "";
      while (j < text.length && text.charAt(j) !== ch) {
        if (text.charAt(j) === "\\" && j + 1 < text.length) {
          const nx = text.charAt(j + 1);
          v += nx === "n" ? "\n" : nx === "t" ? "\t" : nx;
          j += 2;
        } else v += text.charAt(j++);
      }
      if (j >= text.length) {
        diagnostics.push(makeDiagnostic("SXP_SYNTAX", "A string that is never closed.", locateOffset(map, i), "Close the quote."));
        break;
      }
      top.push(v);
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s()'"#]/.test(text.charAt(j))) j++;
    top.push(text.slice(i, j));
    i = j;
  }
  for (const o of opens) diagnostics.push(makeDiagnostic("SXP_SYNTAX", "A '(' that is never closed.", locateOffset(map, o), "Add the missing ')'."));
  return { values: root, diagnostics };
}

function readScript(values: TSxp[], name: string): { script: string; args: string[]; raw: string } | null {
  // xend's sxp.child_value returns the first match.
  for (const v of values) {
    if (Array.isArray(v) && v[0] === name && typeof v[1] === "string") {
      const parts = v[1].split(" ");
      return { script: parts[0] ?? "", args: parts.slice(1), raw: v[1] };
    }
  }
  return null;
}

/** The network settings of xend-config.sxp: (network-script …) and (vif-script …). */
export function parseXendNetworkConfig(text: string): TXendNetworkConfig {
  const { values, diagnostics } = parseSxp(text);
  const networkScript = readScript(values, "network-script");
  const vifScript = readScript(values, "vif-script");
  const arg = (k: string): string | null => {
    const a = networkScript?.args.find((x) => x.startsWith(k + "="));
    return a === undefined ? null : a.slice(k.length + 1);
  };
  const modeOf = (s: string | undefined): "bridge" | "route" | "nat" | null => {
    if (!s) return null;
    const base = s.split("/").pop() ?? s;
    if (base.endsWith("-bridge")) return "bridge";
    if (base.endsWith("-route")) return "route";
    if (base.endsWith("-nat")) return "nat";
    return null;
  };
  return {
    networkScript,
    vifScript,
    bridge: arg("bridge"),
    netdev: arg("netdev"),
    mode: modeOf(networkScript?.script) ?? modeOf(vifScript?.script),
    diagnostics,
  };
}
