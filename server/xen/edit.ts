// Edits of the vif list that touch only the bytes of the vif setting (or of one
// element of it). Every edit splices the text and parses the result again, so
// the returned config is always exactly what xl would read.

import { makeDiagnostic, type TDiagnostic } from "./diagnostics";
import { listVifElements, parseXlConfig, type TParseConfigResult, type TXlConfig, type TXlList, type TXlSetting, type TXlValue } from "./config";
import { checkVifEntry, formatVifSpec, tokenizeVifSpec, type TVif } from "./vif-spec";

export type TVifInput = string | TVif;

export type TEditResult = TParseConfigResult & {
  /** False when the edit was refused (then config is the unchanged input). */
  applied: boolean;
  /** Problems with the requested values (the edit is refused when one is an error). */
  editDiagnostics: TDiagnostic[];
};

function refuse(config: TXlConfig, diagnostics: TDiagnostic[]): TEditResult {
  const again = parseXlConfig(config.text, { source: config.source, encoding: config.encoding });
  return { ...again, applied: false, editDiagnostics: diagnostics };
}

function reparse(config: TXlConfig, text: string, editDiagnostics: TDiagnostic[] = []): TEditResult {
  return { ...parseXlConfig(text, { source: config.source, encoding: config.encoding }), applied: true, editDiagnostics };
}

/** Resolves one vif input to the string to store, checking that xl can carry it. */
function resolveSpec(input: TVifInput): { spec: string; diagnostics: TDiagnostic[] } {
  if (typeof input !== "string") {
    const r = formatVifSpec(input);
    return { spec: r.spec, diagnostics: r.diagnostics };
  }
  const diagnostics: TDiagnostic[] = [];
  if (/[\n\0]/.test(input)) {
    diagnostics.push(makeDiagnostic("VIF_VALUE_NEWLINE", "A vif spec cannot contain a line break or a NUL byte.", { line: 1, column: 1 }, "Remove the line break."));
  }
  for (const t of tokenizeVifSpec(input)) {
    if (t.kind === "option" && t.key === "mac" && t.value !== null) {
      const d = checkVifEntry("mac", t.value, "config");
      if (d) diagnostics.push(d);
    }
  }
  return { spec: input, diagnostics };
}

/** A string literal in xl syntax, with the given quote, escaping only what must be escaped. */
export function quoteXlString(value: string, quote: "'" | '"' = "'"): string {
  let out = quote;
  for (const ch of value) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + quote;
    else if (ch === "\n") out += "\\n";
    else out += ch;
  }
  return out + quote;
}

type TLayout = {
  multiline: boolean;
  indent: string;
  closeIndent: string;
  trailingComma: boolean;
  innerPad: string;
  separator: string;
  quote: "'" | '"';
};

function lineStartOf(text: string, offset: number): number {
  const nl = text.lastIndexOf("\n", offset - 1);
  return nl + 1;
}

function detectLayout(text: string, list: TXlList | null): TLayout {
  const fallback: TLayout = { multiline: false, indent: "    ", closeIndent: "", trailingComma: false, innerPad: " ", separator: ", ", quote: "'" };
  if (!list) return fallback;
  const body = text.slice(list.start, list.end);
  const first = list.items[0];
  const last = list.items[list.items.length - 1];
  const quote = first && first.kind === "string" ? first.quote : "'";
  if (!first || !last) {
    return { ...fallback, quote, innerPad: body === "[]" ? "" : " " };
  }
  const multiline = body.includes("\n");
  const afterLast = text.slice(last.end, list.end - 1);
  const trailingComma = /^[ \t]*,/.test(afterLast);
  if (multiline) {
    const ls = lineStartOf(text, first.start);
    const indentText = text.slice(ls, first.start);
    const indent = /^[ \t]*$/.test(indentText) ? indentText : "    ";
    const cls = lineStartOf(text, list.end - 1);
    const closeText = text.slice(cls, list.end - 1);
    const closeIndent = /^[ \t]*$/.test(closeText) ? closeText : "";
    return { multiline, indent, closeIndent, trailingComma, innerPad: " ", separator: ", ", quote };
  }
  const innerPad = text.charAt(list.start + 1) === " " ? " " : "";
  const second = list.items[1];
  const separator = second ? (/,[ \t]+$/.test(text.slice(first.end, second.start)) ? ", " : ",") : ", ";
  return { multiline, indent: "", closeIndent: "", trailingComma, innerPad, separator, quote };
}

function renderList(specs: string[], layout: TLayout): string {
  const items = specs.map((s) => quoteXlString(s, layout.quote));
  if (items.length === 0) return layout.innerPad === "" ? "[]" : "[ ]";
  if (layout.multiline) {
    const lines = items.map((it, i) => layout.indent + it + (i < items.length - 1 || layout.trailingComma ? "," : ""));
    return "[\n" + lines.join("\n") + "\n" + layout.closeIndent + "]";
  }
  return "[" + layout.innerPad + items.join(layout.separator) + (layout.trailingComma ? "," : "") + layout.innerPad + "]";
}

function lastVifSetting(config: TXlConfig): TXlSetting | null {
  for (let i = config.settings.length - 1; i >= 0; i--) {
    const s = config.settings[i];
    if (s && s.name === "vif") return s;
  }
  return null;
}

/**
 * Replaces the vif list. Only the bytes of the newest vif setting change; with
 * no vif setting, `vif = [ … ]` is appended (after a newline if the file lacks
 * a final one). The original quote style, indentation and one-per-line layout
 * are kept.
 */
export function setVifList(config: TXlConfig, inputs: readonly TVifInput[]): TEditResult {
  const resolved = inputs.map(resolveSpec);
  const editDiagnostics = resolved.flatMap((r) => r.diagnostics);
  if (editDiagnostics.some((d) => d.severity === "error")) return refuse(config, editDiagnostics);
  const specs = resolved.map((r) => r.spec);
  const text = config.text;
  const target = lastVifSetting(config);
  if (!target) {
    if (specs.length === 0) return reparse(config, text, editDiagnostics);
    const line = `vif = ${renderList(specs, detectLayout(text, null))}\n`;
    const prefix = text.length > 0 && !text.endsWith("\n") ? text + "\n" : text;
    return reparse(config, prefix + line, editDiagnostics);
  }
  const list = target.value.kind === "list" ? target.value : null;
  const rendered = renderList(specs, detectLayout(text, list));
  if (target.op === "+=" || !list) {
    // Rewrite this whole setting as a plain assignment: earlier ones no longer count.
    const name = text.slice(target.start, target.start + 3);
    const between = text.slice(target.start + 3, target.value.start).replace("+=", "=");
    return reparse(config, text.slice(0, target.start) + name + between + rendered + text.slice(target.value.end), editDiagnostics);
  }
  return reparse(config, text.slice(0, list.start) + rendered + text.slice(list.end), editDiagnostics);
}

function elementAt(config: TXlConfig, index: number): { node: TXlValue; setting: TXlSetting; list: TXlList } | null {
  const els = listVifElements(config);
  const el = els[index];
  if (!el || el.setting.value.kind !== "list") return null;
  return { node: el.node, setting: el.setting, list: el.setting.value };
}

function outOfRange(config: TXlConfig, index: number): TEditResult {
  return refuse(config, [makeDiagnostic("VIF_VALUE_INVALID", `There is no vif at position ${index}.`, { line: 1, column: 1 }, "Pick an existing vif.", { severity: "error" })]);
}

/** Replaces the i-th element of the vif list, keeping every other byte. */
export function replaceVifEntry(config: TXlConfig, index: number, input: TVifInput): TEditResult {
  const r = resolveSpec(input);
  if (r.diagnostics.some((d) => d.severity === "error")) return refuse(config, r.diagnostics);
  const el = elementAt(config, index);
  if (!el) return outOfRange(config, index);
  const quote = el.node.kind === "string" ? el.node.quote : detectLayout(config.text, el.list).quote;
  const text = config.text;
  return reparse(config, text.slice(0, el.node.start) + quoteXlString(r.spec, quote) + text.slice(el.node.end), r.diagnostics);
}

/** Removes the i-th element of the vif list (its whole line when it sits alone on one). */
export function removeVifEntry(config: TXlConfig, index: number): TEditResult {
  const el = elementAt(config, index);
  if (!el) return outOfRange(config, index);
  const text = config.text;
  const items = el.list.items;
  const pos = items.indexOf(el.node);
  const prev = items[pos - 1];
  const next = items[pos + 1];
  const ls = lineStartOf(text, el.node.start);
  const nl = text.indexOf("\n", el.node.end);
  const lineEnd = nl < 0 ? text.length : nl + 1;
  const before = text.slice(ls, el.node.start);
  const after = text.slice(el.node.end, nl < 0 ? text.length : nl);
  const aloneOnLine = /^[ \t]*$/.test(before) && /^[ \t]*,?[ \t]*(#.*)?$/.test(after) && nl >= 0 && ls > el.list.start;
  let start: number;
  let end: number;
  if (aloneOnLine && (next || /,/.test(after) || prev)) {
    start = ls;
    end = lineEnd;
    if (!next && prev && !/^[ \t]*,/.test(after)) {
      // The removed line was the last one without a trailing comma: drop the previous comma too.
      const gap = text.slice(prev.end, ls);
      const m = /^[ \t]*,/.exec(gap);
      if (m) return reparse(config, text.slice(0, prev.end) + gap.slice(m[0].length) + text.slice(end));
    }
  } else if (next) {
    start = el.node.start;
    end = next.start;
  } else if (prev) {
    start = prev.end;
    end = el.node.end;
  } else {
    start = el.node.start;
    const m = /^[ \t]*,[ \t]*/.exec(text.slice(el.node.end));
    end = el.node.end + (m ? m[0].length : 0);
  }
  return reparse(config, text.slice(0, start) + text.slice(end));
}

/** Inserts a vif at position i (i = count appends), keeping every other byte. */
export function insertVifEntry(config: TXlConfig, index: number, input: TVifInput): TEditResult {
  const r = resolveSpec(input);
  if (r.diagnostics.some((d) => d.severity === "error")) return refuse(config, r.diagnostics);
  const els = listVifElements(config);
  const text = config.text;
  if (index < 0 || index > els.length) return outOfRange(config, index);
  if (els.length === 0) {
    return setVifList(config, [r.spec]);
  }
  const at = els[index];
  if (at && at.setting.value.kind === "list") {
    const list = at.setting.value;
    const layout = detectLayout(text, list);
    const quoted = quoteXlString(r.spec, at.node.kind === "string" ? at.node.quote : layout.quote);
    const ls = lineStartOf(text, at.node.start);
    if (layout.multiline && /^[ \t]*$/.test(text.slice(ls, at.node.start)) && ls > list.start) {
      return reparse(config, text.slice(0, ls) + layout.indent + quoted + ",\n" + text.slice(ls), r.diagnostics);
    }
    return reparse(config, text.slice(0, at.node.start) + quoted + layout.separator.replace(/^,/, ",") + text.slice(at.node.start), r.diagnostics);
  }
  // Append after the last element.
  const last = els[els.length - 1];
  if (!last || last.setting.value.kind !== "list") return outOfRange(config, index);
  const list = last.setting.value;
  const layout = detectLayout(text, list);
  const quoted = quoteXlString(r.spec, last.node.kind === "string" ? last.node.quote : layout.quote);
  const afterLast = text.slice(last.node.end, list.end - 1);
  const comma = /^[ \t]*,/.exec(afterLast);
  if (layout.multiline) {
    const nl = text.indexOf("\n", last.node.end);
    if (nl >= 0 && nl < list.end) {
      const insertAt = nl + 1;
      if (comma) return reparse(config, text.slice(0, insertAt) + layout.indent + quoted + ",\n" + text.slice(insertAt), r.diagnostics);
      return reparse(config, text.slice(0, last.node.end) + "," + text.slice(last.node.end, insertAt) + layout.indent + quoted + "\n" + text.slice(insertAt), r.diagnostics);
    }
  }
  if (comma) {
    const p = last.node.end + comma[0].length;
    return reparse(config, text.slice(0, p) + " " + quoted + "," + text.slice(p), r.diagnostics);
  }
  return reparse(config, text.slice(0, last.node.end) + layout.separator + quoted + text.slice(last.node.end), r.diagnostics);
}
