// The lossless model of an xl domain config file: the text itself plus every
// setting with its offsets. Printing gives the text back byte for byte; edits
// (edit.ts) splice the text and parse it again. Settings are evaluated as xl
// does: the newest assignment wins, += appends to the newest one.

import { hasErrors, locateOffset, makeDiagnostic, type TDiagnostic } from "./diagnostics";
import { createParseContext } from "./lexer";
import { parseXlTokens, type TXlSetting, type TXlValue } from "./parser";
import { parseVifSpec, type TParsedVif, type TVifDefaults, type TVifEffective, type TVifEntry, type TVifToken } from "./vif-spec";
import { checkVifList } from "./vif-checks";

export type { TXlSetting, TXlValue, TXlString, TXlNumber, TXlList } from "./parser";

export type TGuestType = "pv" | "pvh" | "hvm";

export type TXlEffectiveValue = { kind: "string"; value: string; isNumber: boolean } | { kind: "list"; items: TXlValue[] };

export type TXlEffectiveSetting = {
  name: string;
  value: TXlEffectiveValue;
  /** The assignments that make up this value: the last plain '=' and the '+=' after it. */
  chain: TXlSetting[];
  /** Whether the newest assignment is a '+=' (xl then ignores it for numeric options). */
  added: boolean;
  /** xl's line number for warnings about this setting. */
  xlLine: number;
};

export type TConfigVif = {
  /** Position in the vif list. */
  index: number;
  /** The devid xl gives it (explicit devid=, else the position). */
  devid: number;
  /** The string xl reads (after unquoting). */
  spec: string;
  /** The list element in the file. */
  node: TXlValue;
  /** The setting whose list holds this element. */
  setting: TXlSetting;
  line: number;
  column: number;
  tokens: TVifToken[];
  /** Ordered key/value entries exactly as xl sees them. */
  entries: TVifEntry[];
  effective: TVifEffective;
  /** xl stops on this vif (bad rate/mtu/devid). */
  fatal: boolean;
  diagnostics: TDiagnostic[];
};

export type TConfigVifList = {
  /** Whether the file has a vif setting that xl reads as a list. */
  present: boolean;
  vifs: TConfigVif[];
  /** Index in the list of the nested list where xl stops reading vifs, or null. */
  truncatedAt: number | null;
  /** Elements after the truncation that xl ignores. */
  ignoredElements: number;
  diagnostics: TDiagnostic[];
};

export type TXlConfig = {
  /** The text exactly as given; printing returns it. */
  text: string;
  /** Name used in xl-style messages (the config path). */
  source: string;
  /** Every assignment that parsed, in file order. */
  settings: TXlSetting[];
  /** Whether xl's parser accepts the text (no lexical or syntax errors). */
  syntaxOk: boolean;
  /** The effective value of every setting name. */
  effective: Record<string, TXlEffectiveSetting>;
  guestType: TGuestType;
  vifList: TConfigVifList;
  /** How to turn the text back into the file's bytes. */
  encoding: TTextEncoding;
};

export type TParseConfigResult = {
  /** xl accepts this file: its parser takes it and no vif stops xl (bad rate, mtu, devid). */
  ok: boolean;
  /** No error-severity diagnostic at all: also nothing that fails later (hotplug, libxl) or conflicts. */
  valid: boolean;
  config: TXlConfig;
  diagnostics: TDiagnostic[];
};

export type TParseConfigOptions = {
  /** The path or name xl would print (default "config"). */
  source?: string;
  /** How the text was decoded from bytes (kept for encodeXlConfig; default utf-8). */
  encoding?: TTextEncoding;
  /** xl.conf's vif.default.* (see readXlConfDefaults), applied to every vif before its own keys. */
  vifDefaults?: TVifDefaults;
};

/** utf-8 when the file's bytes are valid UTF-8; latin1 (one char per byte) otherwise. */
export type TTextEncoding = "utf-8" | "latin1";

/** Options xl reads with xlu_cfg_get_long (where += gives a warning and is ignored). */
const NUMERIC_OPTIONS = new Set([
  "memory", "maxmem", "vcpus", "maxvcpus", "shadow_memory", "videoram", "pae", "acpi", "acpi_s3", "acpi_s4", "apic",
  "hap", "hpet", "nestedhvm", "localtime", "stdvga", "vnc", "vncunused", "vncdisplay", "sdl", "opengl", "usb",
  "serial_num", "cpu_weight", "cpu_cap", "timer_mode", "viridian", "e820_host", "claim_mode", "max_grant_frames",
  "max_maptrack_frames", "max_event_channels", "tsc_mode", "rtc_timeoffset", "vkb_device", "xen_platform_pci",
  "altp2mhvm", "driver_domain", "pvshim", "gfx_passthru", "nomigrate", "ioports", "device_model_stubdomain_override",
  "bootloader_restrict", "suppress_vmdesc", "vpmu", "mca_caps", "passthrough_pv",
]);

function evaluateSettings(settings: readonly TXlSetting[]): Record<string, TXlEffectiveSetting> {
  const out: Record<string, TXlEffectiveSetting> = Object.create(null) as Record<string, TXlEffectiveSetting>;
  for (const s of settings) {
    const prev = out[s.name];
    const own: TXlEffectiveValue = s.value.kind === "list" ? { kind: "list", items: s.value.items } : { kind: "string", value: s.value.value, isNumber: s.value.kind === "number" };
    if (s.op === "+=" && prev !== undefined && prev.value.kind === own.kind) {
      const value: TXlEffectiveValue =
        own.kind === "list" && prev.value.kind === "list"
          ? { kind: "list", items: [...prev.value.items, ...own.items] }
          : { kind: "string", value: (prev.value as { value: string }).value + (own as { value: string }).value, isNumber: false };
      out[s.name] = { name: s.name, value, chain: [...prev.chain, s], added: true, xlLine: s.xlLine };
    } else {
      out[s.name] = { name: s.name, value: own, chain: [s], added: s.op === "+=", xlLine: s.xlLine };
    }
  }
  return out;
}

/** The guest type as xl decides it: type= (pv, pvh, hvm), else builder= ("hvm"), else PV. */
export function detectGuestType(effective: Record<string, TXlEffectiveSetting>): TGuestType {
  const t = effective["type"];
  if (t && t.value.kind === "string") {
    if (t.value.value === "hvm") return "hvm";
    if (t.value.value === "pvh") return "pvh";
    if (t.value.value === "pv") return "pv";
  }
  const b = effective["builder"];
  if (b && b.value.kind === "string" && b.value.value === "hvm") return "hvm";
  return "pv";
}

/** Parses an xl domain config (or xl.conf). Never throws; problems come back as diagnostics. */
export function parseXlConfig(text: string, options: TParseConfigOptions = {}): TParseConfigResult {
  const source = options.source ?? "config";
  const ctx = createParseContext(String(text), source);
  const settings = parseXlTokens(ctx);
  const diagnostics: TDiagnostic[] = [...ctx.diagnostics];
  const syntaxOk = !ctx.failed;
  if (!syntaxOk && ctx.likelyPython) {
    diagnostics.push(
      makeDiagnostic("XL_PYTHON", "This file looks like it contains Python code; xl config files are not Python.", { line: 1, column: 1 }, "See https://wiki.xen.org/wiki/PythonInXlConfig; rewrite expressions as plain quoted values.", {
        xlMessage: "warning: Config file looks like it contains Python code.\nwarning:  Arbitrary Python is no longer supported.\nwarning:  See https://wiki.xen.org/wiki/PythonInXlConfig",
      }),
    );
  }
  const effective = evaluateSettings(settings);
  // Repeated assignments and += on numbers.
  const seen = new Map<string, TXlSetting>();
  for (const s of settings) {
    const earlier = seen.get(s.name);
    if (earlier && s.op === "=") {
      diagnostics.push(
        makeDiagnostic("XL_DUPLICATE_SETTING", `'${s.name}' is set again here (first on line ${earlier.line}); xl silently uses the last one.`, { line: s.line, column: s.column }, "Remove the earlier assignment, or use += to add to it."),
      );
    }
    seen.set(s.name, s);
  }
  for (const e of Object.values(effective)) {
    if (e.added && NUMERIC_OPTIONS.has(e.name)) {
      const last = e.chain[e.chain.length - 1];
      if (last) {
        diagnostics.push(
          makeDiagnostic("XL_ADD_NUMBER", `'${e.name} +=' on a number: xl ignores the option altogether.`, { line: last.line, column: last.column }, `Write ${e.name} = <value>.`, {
            xlMessage: `${source}:${e.xlLine}: warning: can't use += with numbers for parameter \`${e.name}'`,
          }),
        );
      }
    }
  }
  const guestType = detectGuestType(effective);
  const config: TXlConfig = {
    text: ctx.text,
    source,
    settings,
    syntaxOk,
    effective,
    guestType,
    vifList: { present: false, vifs: [], truncatedAt: null, ignoredElements: 0, diagnostics: [] },
    encoding: options.encoding ?? "utf-8",
  };
  config.vifList = readVifList(config, options.vifDefaults);
  diagnostics.push(...config.vifList.diagnostics);
  const ok = syntaxOk && !config.vifList.vifs.some((v) => v.fatal);
  return { ok, valid: ok && !hasErrors(diagnostics), config, diagnostics };
}

/** Prints the model: the exact text it was parsed from. */
export function printXlConfig(config: TXlConfig): string {
  return config.text;
}

/**
 * Parses a file's bytes. Valid UTF-8 is decoded as such (a BOM is kept, and xl
 * rejects it like any other stray byte); anything else is read one char per
 * byte, so that encodeXlConfig gives back the same bytes either way.
 */
export function parseXlConfigBytes(bytes: Uint8Array, options: Omit<TParseConfigOptions, "encoding"> = {}): TParseConfigResult {
  let text: string;
  let encoding: TTextEncoding = "utf-8";
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    encoding = "latin1";
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    text = s;
  }
  return parseXlConfig(text, { ...options, encoding });
}

/** The bytes of a (possibly edited) config, in the encoding it was read with. */
export function encodeXlConfig(config: TXlConfig): Uint8Array {
  if (config.encoding === "latin1") {
    const out = new Uint8Array(config.text.length);
    for (let i = 0; i < config.text.length; i++) out[i] = config.text.charCodeAt(i) & 0xff;
    return out;
  }
  return new TextEncoder().encode(config.text);
}

/** The effective value of a setting, as xl would look it up (null when absent). */
export function getXlSetting(config: TXlConfig, name: string): TXlEffectiveSetting | null {
  return config.effective[name] ?? null;
}

/** The effective string value of a setting (numbers as their text), or null when absent or a list. */
export function getXlString(config: TXlConfig, name: string): string | null {
  const s = config.effective[name];
  return s && s.value.kind === "string" ? s.value.value : null;
}

function mapOffset(config: TXlConfig, node: TXlValue, offset: number): number {
  if (node.kind === "list") return node.start;
  if (node.kind === "number") return node.start + offset;
  return node.raw.includes("\\") ? node.start : node.start + 1 + offset;
}

function placeVif(config: TXlConfig, node: TXlValue, parsed: TParsedVif): TDiagnostic[] {
  return parsed.issues.map((issue) => {
    const a = locateOffset(configMap(config), mapOffset(config, node, issue.start));
    const b = locateOffset(configMap(config), mapOffset(config, node, issue.end));
    return { ...issue.diagnostic, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  });
}

const MAPS = new WeakMap<TXlConfig, { lineStarts: number[] }>();
function configMap(config: TXlConfig): { lineStarts: number[] } {
  let m = MAPS.get(config);
  if (!m) {
    const lineStarts = [0];
    const t = config.text;
    for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) lineStarts.push(i + 1);
    m = { lineStarts };
    MAPS.set(config, m);
  }
  return m;
}

/** Which setting holds each element of the effective vif list. */
export function listVifElements(config: TXlConfig): { node: TXlValue; setting: TXlSetting }[] {
  const e = config.effective["vif"];
  if (!e || e.value.kind !== "list") return [];
  const out: { node: TXlValue; setting: TXlSetting }[] = [];
  for (const s of e.chain) {
    if (s.value.kind !== "list") continue;
    for (const node of s.value.items) out.push({ node, setting: s });
  }
  return out;
}

function readVifList(config: TXlConfig, defaults: TVifDefaults | undefined): TConfigVifList {
  const result: TConfigVifList = { present: false, vifs: [], truncatedAt: null, ignoredElements: 0, diagnostics: [] };
  const e = config.effective["vif"];
  if (!e) return result;
  const last = e.chain[e.chain.length - 1];
  if (e.value.kind !== "list") {
    if (last) {
      result.diagnostics.push(
        makeDiagnostic("XL_VIF_NOT_LIST", "vif must be a list, e.g. vif = [ 'bridge=xenbr0' ]: xl ignores a single value and the guest gets no network.", { line: last.line, column: last.column }, "Put the value in brackets.", {
          xlMessage: `${config.source}:${e.xlLine}: warning: parameter \`vif' is a single value but should be a list`,
        }),
      );
    }
    return result;
  }
  result.present = true;
  const elements = listVifElements(config);
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i];
    if (!el) continue;
    const { node, setting } = el;
    if (node.kind === "list") {
      result.truncatedAt = i;
      result.ignoredElements = elements.length - i;
      result.diagnostics.push(
        makeDiagnostic("XL_VIF_NESTED_LIST", `A nested list at position ${i} of vif: xl silently stops reading vifs here, so ${elements.length - i === 1 ? "it is" : `it and the ${elements.length - i - 1} element(s) after it are`} ignored.`, { line: node.line, column: node.column }, "Write each vif as a quoted string directly in the vif list."),
      );
      break;
    }
    const parsed = parseVifSpec(node.value, { position: i, source: config.source, guestType: config.guestType, ...(defaults ? { defaults } : {}) });
    const diagnostics = placeVif(config, node, parsed);
    result.vifs.push({
      index: i,
      devid: parsed.effective.devid ?? i,
      spec: node.value,
      node,
      setting,
      line: node.line,
      column: node.column,
      tokens: parsed.tokens,
      entries: parsed.entries,
      effective: parsed.effective,
      fatal: parsed.fatal,
      diagnostics,
    });
    result.diagnostics.push(...diagnostics);
  }
  result.diagnostics.push(...checkVifList(result.vifs));
  return result;
}

/** The vifs of a config as xl reads them (stops at a nested list). */
export function listVifs(config: TXlConfig): TConfigVif[] {
  return config.vifList.vifs;
}
