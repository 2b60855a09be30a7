// One vif spec ('mac=…,bridge=…') as xl reads it (xl-syntax.md §3):
// strtok on ',', empty fields dropped, leading spaces (only) stripped, keys
// matched as "key=" prefixes, last one wins, and the lax MAC reading with its
// partial overwrites. Also the canonical formatter for structured vifs.

import ipaddr from "ipaddr.js";
import { z } from "zod";
import { makeDiagnostic, type TDiagnostic, type TDiagnosticCode, type TSeverity } from "./diagnostics";
import { classifyMac, formatMac, parseMacLikeXl } from "./mac";
import { formatRateError, parseVifRate, type TVifRate } from "./rate";

/** The colo_* keys xl accepts (COLO, documented as unstable). */
export const VIF_COLO_KEYS = [
  "colo_sock_mirror_id", "colo_sock_mirror_ip", "colo_sock_mirror_port",
  "colo_sock_compare_sec_in_id", "colo_sock_compare_sec_in_ip", "colo_sock_compare_sec_in_port",
  "colo_sock_redirector0_id", "colo_sock_redirector0_ip", "colo_sock_redirector0_port",
  "colo_sock_redirector1_id", "colo_sock_redirector1_ip", "colo_sock_redirector1_port",
  "colo_sock_redirector2_id", "colo_sock_redirector2_ip", "colo_sock_redirector2_port",
  "colo_sock_compare_pri_in_id", "colo_sock_compare_pri_in_ip", "colo_sock_compare_pri_in_port",
  "colo_sock_compare_notify_id", "colo_sock_compare_notify_ip", "colo_sock_compare_notify_port",
  "colo_filter_mirror_queue", "colo_filter_mirror_outdev",
  "colo_filter_redirector0_queue", "colo_filter_redirector0_indev", "colo_filter_redirector0_outdev",
  "colo_filter_redirector1_queue", "colo_filter_redirector1_indev", "colo_filter_redirector1_outdev",
  "colo_compare_pri_in", "colo_compare_sec_in", "colo_compare_out", "colo_compare_notify_dev",
  "colo_sock_sec_redirector0_id", "colo_sock_sec_redirector0_ip", "colo_sock_sec_redirector0_port",
  "colo_sock_sec_redirector1_id", "colo_sock_sec_redirector1_ip", "colo_sock_sec_redirector1_port",
  "colo_filter_sec_redirector0_queue", "colo_filter_sec_redirector0_indev", "colo_filter_sec_redirector0_outdev",
  "colo_filter_sec_redirector1_queue", "colo_filter_sec_redirector1_indev", "colo_filter_sec_redirector1_outdev",
  "colo_filter_sec_rewriter0_queue", "colo_checkpoint_host", "colo_checkpoint_port",
] as const;

/** Keys written key=value, in the order xl tests them. */
export const VIF_VALUE_KEYS = [
  "type", "mac", "bridge", "netdev", "gatewaydev", "ip", "script", "backend", "vifname", "model", "rate",
  "forwarddev", ...VIF_COLO_KEYS, "accel", "devid", "mtu", "vlan",
] as const;
/** Keys written alone. */
export const VIF_FLAG_KEYS = ["trusted", "untrusted"] as const;

export type TVifValueKey = (typeof VIF_VALUE_KEYS)[number];
const VALUE_KEY_SET: ReadonlySet<string> = new Set(VIF_VALUE_KEYS);
const FLAG_KEY_SET: ReadonlySet<string> = new Set(VIF_FLAG_KEYS);

export type TVifContext = "config" | "attach";

/** One token as xl hands it to parse_nic_config. */
export type TVifToken = {
  /** The token text (config file: after the leading spaces are stripped). */
  text: string;
  /** Offset of text in the spec string (for network-attach: in its argv word). */
  start: number;
  end: number;
  /** argv index for network-attach tokens. */
  arg?: number;
  /** The text before the first '=', or the whole token when it has none. */
  key: string;
  /** The text after the first '=', or null when there is none. */
  value: string | null;
  kind: "option" | "flag" | "unknown" | "bare" | "empty";
  /** What follows the token's end in xl's memory (for short MACs), null when unknown. */
  following: string | null;
};

/** An ordered key/value entry exactly as xl sees it (value null for a word without '='). */
export type TVifEntry = { key: string; value: string | null };

/** The vif xl ends up with (libxl_device_nic before libxl's defaults), after last-wins. */
export type TVifEffective = {
  /** The MAC xl would use ("00:16:3e:…"), null when unset or all-zero (xl then makes a random one) or partly unknown. */
  mac: string | null;
  /** The six octets xl holds; null entries are memory xl read past the value. */
  macBytes: (number | null)[];
  bridge: string | null;
  ip: string | null;
  /** ip split as the hotplug scripts do (for addr in $ip). */
  ips: string[];
  vifname: string | null;
  script: string | null;
  type: "vif" | "ioemu" | null;
  model: string | null;
  backend: string | null;
  gatewaydev: string | null;
  rate: TVifRate | null;
  rateText: string | null;
  mtu: number | null;
  /** The devid the vif gets: explicit devid=, else its list position (config), else null (libxl picks). */
  devid: number | null;
  devidExplicit: boolean;
  vlan: string | null;
  /** null = default (trusted). */
  trusted: boolean | null;
  forwarddev: string | null;
  colo: Record<string, string>;
};

export type TVifIssue = {
  diagnostic: TDiagnostic;
  /** Offsets into the spec (or argv word) the diagnostic is about. */
  start: number;
  end: number;
  arg?: number;
};

export type TParsedVif = {
  spec: string;
  tokens: TVifToken[];
  entries: TVifEntry[];
  effective: TVifEffective;
  /** xl itself stops on this vif (bad rate, mtu or devid; for network-attach also what it prints an error for). */
  fatal: boolean;
  issues: TVifIssue[];
  diagnostics: TDiagnostic[];
};

export type TParseVifOptions = {
  context?: TVifContext;
  /** The list position (config files): the default devid. */
  position?: number;
  /** Name xl uses in rate messages: the config path, or "command line" for network-attach. */
  source?: string;
  /** Known guest type, for the ioemu/vifname checks. */
  guestType?: "pv" | "pvh" | "hvm" | null;
  /** xl.conf's vif.default.* values, copied into the vif before its tokens (set_default_nic_values). */
  defaults?: TVifDefaults;
};

export type TVifDefaults = { bridge?: string | null; script?: string | null; gatewaydev?: string | null; backend?: string | null };

/** Splits a config-file vif string the way strtok(",") plus the leading-space loop do. */
export function tokenizeVifSpec(spec: string): TVifToken[] {
  const tokens: TVifToken[] = [];
  let i = 0;
  const n = spec.length;
  while (i < n) {
    while (i < n && spec.charCodeAt(i) === 44) i++;
    if (i >= n) break;
    const rawStart = i;
    while (i < n && spec.charCodeAt(i) !== 44) i++;
    const rawEnd = i;
    let start = rawStart;
    while (start < rawEnd && spec.charCodeAt(start) === 32) start++;
    // strtok writes a NUL over the comma that ends the token; memory goes on after it.
    const following = rawEnd < n ? spec.slice(rawEnd + 1) : null;
    tokens.push(makeToken(spec.slice(start, rawEnd), start, rawEnd, following));
    i = rawEnd + 1;
  }
  return tokens;
}

function makeToken(text: string, start: number, end: number, following: string | null): TVifToken {
  const eq = text.indexOf("=");
  const key = eq >= 0 ? text.slice(0, eq) : text;
  const value = eq >= 0 ? text.slice(eq + 1) : null;
  let kind: TVifToken["kind"];
  if (text === "" ) kind = "empty";
  else if (eq >= 0 && VALUE_KEY_SET.has(key)) kind = "option";
  else if (eq < 0 && FLAG_KEY_SET.has(text)) kind = "flag";
  else if (eq < 0) kind = "bare";
  else kind = "unknown";
  return { text, start, end, key, value, kind, following };
}

function createEffective(position: number | null): TVifEffective {
  return {
    mac: null,
    macBytes: [0, 0, 0, 0, 0, 0],
    bridge: null,
    ip: null,
    ips: [],
    vifname: null,
    script: null,
    type: null,
    model: null,
    backend: null,
    gatewaydev: null,
    rate: null,
    rateText: null,
    mtu: null,
    devid: position,
    devidExplicit: false,
    vlan: null,
    trusted: null,
    forwarddev: null,
    colo: {},
  };
}

/** parse_ulong: strtoul(…, 10), refused when nothing is read or the result is ULONG_MAX; stored in an int. */
export function parseXlUlong(value: string): { ok: true; value: number; lax: boolean } | { ok: false } {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(value);
  if (!m) return { ok: false };
  const ULONG_MAX = 0xffffffffffffffffn;
  let v = BigInt(m[2] ?? "0");
  if (v > ULONG_MAX) return { ok: false };
  if (m[1] === "-" && v !== 0n) v = ULONG_MAX + 1n - v;
  if (v === ULONG_MAX) return { ok: false };
  const asInt = Number(BigInt.asIntN(32, v));
  return { ok: true, value: asInt, lax: !/^[0-9]+$/.test(value) || asInt < 0 || BigInt(asInt) !== v };
}

function isValidIfname(name: string): boolean {
  if (name === "" || name === "." || name === "..") return false;
  return !/[/:\s]/.test(name);
}

const UTF8 = new TextEncoder();
export function utf8Length(s: string): number {
  // ASCII is by far the common case.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return UTF8.encode(s).length;
  return s.length;
}

function findLastOption(tokens: readonly TVifToken[], key: string): TVifToken | undefined {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i];
    if (t && t.kind === "option" && t.key === key) return t;
  }
  return undefined;
}

/** Checks one ip= word: an IPv4/IPv6 address or CIDR. */
export function isValidIpOrCidr(word: string): boolean {
  if (word.includes("/")) {
    if (ipaddr.IPv4.isValidCIDRFourPartDecimal(word)) return true;
    return !word.includes(".") || word.includes(":") ? ipaddr.IPv6.isValidCIDR(word) : false;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(word) || (word.includes(":") && ipaddr.IPv6.isValid(word));
}

type TIssueSink = (code: TDiagnosticCode, message: string, hint: string, start: number, end: number, extra?: { severity?: TSeverity; xlMessage?: string; arg?: number; fatal?: boolean }) => void;

/**
 * Applies tokens to a vif as parse_nic_config does, one after the other.
 * Shared by config-file vif strings and network-attach arguments.
 */
export function applyVifTokens(spec: string, tokens: TVifToken[], options: TParseVifOptions = {}): TParsedVif {
  const context = options.context ?? "config";
  const source = options.source ?? (context === "attach" ? "command line" : "config");
  const effective = createEffective(context === "config" ? (options.position ?? 0) : null);
  if (options.defaults) {
    effective.bridge = options.defaults.bridge ?? null;
    effective.script = options.defaults.script ?? null;
    effective.gatewaydev = options.defaults.gatewaydev ?? null;
    effective.backend = options.defaults.backend ?? null;
  }
  const issues: TVifIssue[] = [];
  let fatal = false;
  const strictSeverity: TSeverity = context === "attach" ? "error" : "warning";
  const sink: TIssueSink = (code, message, hint, start, end, extra) => {
    const d = makeDiagnostic(code, message, { line: 1, column: start + 1, endLine: 1, endColumn: end + 1 }, hint, {
      ...(extra?.severity !== undefined ? { severity: extra.severity } : {}),
      ...(extra?.xlMessage !== undefined ? { xlMessage: extra.xlMessage } : {}),
    });
    const issue: TVifIssue = { diagnostic: d, start, end };
    if (extra?.arg !== undefined) issue.arg = extra.arg;
    issues.push(issue);
    if (extra?.fatal === true) fatal = true;
  };
  const strictFatal = context === "attach";
  const seen = new Map<string, number>();
  let macSet = false;

  for (const tok of tokens) {
    const a = tok.arg !== undefined ? { arg: tok.arg } : {};
    const valueStart = tok.start + tok.key.length + 1;
    if (tok.kind === "option" || tok.kind === "flag") {
      const k = tok.kind === "flag" ? "trusted" : tok.key;
      const count = (seen.get(k) ?? 0) + 1;
      seen.set(k, count);
      if (count === 2) {
        sink("VIF_DUPLICATE_KEY", `'${k}' is given more than once in this vif: xl uses the last one.`, "Keep a single one.", tok.start, tok.end, a);
      }
    }
    if (tok.kind === "empty") {
      sink("VIF_EMPTY_TOKEN", "A field made only of spaces: xl does not recognise it.", "Remove the stray spaces between commas.", tok.start, tok.end, {
        severity: strictSeverity,
        fatal: strictFatal,
        xlMessage: "unrecognized argument `'",
        ...a,
      });
      continue;
    }
    if (tok.kind === "bare" || tok.kind === "unknown") {
      const xlMessage = `unrecognized argument \`${tok.text}'`;
      const lower = tok.key.toLowerCase();
      const trimmedKey = tok.key.replace(/^[ \t]+|[ \t]+$/g, "");
      let code: TDiagnosticCode = tok.kind === "bare" ? "VIF_BARE_WORD" : "VIF_UNKNOWN_KEY";
      let message = tok.kind === "bare" ? `'${tok.text}' has no '=': xl does not recognise it.` : `Unknown vif key '${tok.key}': xl does not recognise it.`;
      let hint = context === "attach" ? "xl network-attach refuses the whole command." : "xl prints a warning and ignores it; the guest is created without it.";
      if (tok.kind === "unknown" && FLAG_KEY_SET.has(tok.key)) {
        code = "VIF_FLAG_WITH_VALUE";
        message = `'${tok.key}' takes no value: '${tok.text}' is not recognised.`;
        hint = `Write just '${tok.key}'.`;
      } else if (tok.kind === "unknown" && trimmedKey !== tok.key && (VALUE_KEY_SET.has(trimmedKey) || FLAG_KEY_SET.has(trimmedKey))) {
        code = tok.key.startsWith("\t") ? "VIF_LEADING_TAB" : "VIF_SPACE_BEFORE_EQUALS";
        message = code === "VIF_LEADING_TAB" ? `A tab before '${trimmedKey}': xl strips only spaces, so the key is not recognised.` : `A blank before '=' in '${tok.text}': xl does not recognise the key.`;
        hint = `Write '${trimmedKey}=${(tok.value ?? "").replace(/^[ \t]+/, "")}'.`;
      } else if (tok.kind === "unknown" && lower !== tok.key && VALUE_KEY_SET.has(lower)) {
        code = "VIF_KEY_CASE";
        message = `'${tok.key}' is not '${lower}': vif keys are case-sensitive.`;
        hint = `Write '${lower}=${tok.value ?? ""}'.`;
      } else if (tok.kind === "bare" && tok.text.startsWith("\t") && (VALUE_KEY_SET.has(tok.text.trim()) || FLAG_KEY_SET.has(tok.text.trim()))) {
        code = "VIF_LEADING_TAB";
        message = "A tab before the key: xl strips only spaces.";
        hint = "Remove the tab.";
      } else if (tok.kind === "unknown" && tok.key === "powerlevel") {
        hint = "There is no powerlevel key in xl, libxl or xm.";
      } else if (tok.kind === "unknown" && (tok.key === "policy" || tok.key === "label")) {
        hint = "An xm (XSM/ACM) key that xl does not have.";
      }
      sink(code, message, hint, tok.start, tok.end, { severity: strictSeverity,
        fatal: strictFatal, xlMessage, ...a });
      continue;
    }
    if (tok.kind === "flag") {
      effective.trusted = tok.text === "trusted";
      continue;
    }
    const key = tok.key as TVifValueKey;
    const value = tok.value ?? "";
    const vEnd = tok.end;
    if (key !== "mac" && key !== "rate" && key !== "mtu" && key !== "devid" && /[ \t]$/.test(value)) {
      sink("VIF_TRAILING_SPACE", `The value of '${key}' ends with a blank, and xl keeps it: ${JSON.stringify(value)}.`, "Remove the blank before the comma (xl strips only the spaces after a comma).", valueStart, vEnd, a);
    }
    switch (key) {
      case "type":
        if (value === "vif" || value === "ioemu") effective.type = value;
        else
          sink("VIF_TYPE_INVALID", `type must be 'vif' or 'ioemu', not ${JSON.stringify(value)}.`, "Use type=vif (PV) or type=ioemu (emulated NIC, HVM only), or leave it out.", valueStart, vEnd, {
            severity: strictSeverity,
        fatal: strictFatal,
            xlMessage: "Invalid parameter `type'.",
            ...a,
          });
        break;
      case "mac": {
        const r = parseMacLikeXl(value, tok.following, effective.macBytes);
        effective.macBytes = r.bytes;
        macSet = true;
        const shown = r.bytes.map((b) => (b === null ? "??" : b.toString(16).padStart(2, "0"))).join(":");
        if (!r.ok) {
          sink("VIF_MAC_INVALID", `Invalid MAC ${JSON.stringify(value)}: xl complains and keeps the octets it read before the error (${shown}).`, "Write six two-digit hex groups: 00:16:3e:xx:xx:xx (fill in real digits).", valueStart, vEnd, {
            severity: strictSeverity,
        fatal: strictFatal,
            xlMessage: "Invalid parameter `mac'.",
            ...a,
          });
        } else if (r.readPastEnd) {
          sink("VIF_MAC_SHORT", `MAC ${JSON.stringify(value)} has fewer than six octets: xl reads past it and pads it with ${r.bytes.includes(null) ? "unpredictable bytes" : "a garbage byte from the text that follows"} (${shown}).`, "Give all six octets.", valueStart, vEnd, a);
        } else if (r.nonStandard) {
          sink("VIF_MAC_NONSTANDARD", `MAC ${JSON.stringify(value)} is accepted by xl as ${shown}, but is not written in the usual form.`, `Write it as ${shown}.`, valueStart, vEnd, a);
        }
        break;
      }
      case "bridge":
        effective.bridge = value;
        break;
      case "netdev":
        sink("VIF_NETDEV_DEPRECATED", "netdev= is deprecated; xl uses it as gatewaydev=.", "Write gatewaydev= instead.", tok.start, vEnd, {
          xlMessage: "the netdev parameter is deprecated, please use gatewaydev instead",
          ...a,
        });
        effective.gatewaydev = value;
        break;
      case "gatewaydev":
        effective.gatewaydev = value;
        break;
      case "ip":
        effective.ip = value;
        break;
      case "script":
        effective.script = value;
        break;
      case "backend":
        effective.backend = value;
        break;
      case "vifname":
        effective.vifname = value;
        break;
      case "model":
        effective.model = value;
        break;
      case "rate": {
        const r = parseVifRate(value);
        if (r.ok) {
          effective.rate = { bytesPerInterval: r.bytesPerInterval, intervalUsecs: r.intervalUsecs, bytesPerSecond: r.bytesPerSecond };
          effective.rateText = value;
        } else {
          sink("VIF_RATE_INVALID", `rate ${JSON.stringify(value)}: ${r.reason}. xl stops with an error.`, "Write it like 10Mb/s, 250KB/s or 1MB/s@20ms, with nothing after it (not even a space).", valueStart, vEnd, {
            severity: "error",
            fatal: true,
            xlMessage: formatRateError(source, r),
            ...a,
          });
        }
        break;
      }
      case "forwarddev":
        effective.forwarddev = value;
        break;
      case "accel":
        sink("VIF_ACCEL_IGNORED", "accel= is ignored by xl.", "Remove it.", tok.start, vEnd, {
          xlMessage: "the accel parameter for vifs is currently not supported",
          ...a,
        });
        break;
      case "devid":
      case "mtu": {
        const r = parseXlUlong(value);
        if (!r.ok) {
          sink("VIF_NUMBER_INVALID", `${key} ${JSON.stringify(value)} is not a number xl can use: xl stops with an error.`, `Give ${key} as a plain decimal number.`, valueStart, vEnd, {
            severity: "error",
            fatal: true,
            xlMessage: `xl: failed to convert "${value}" to number`,
            ...a,
          });
          break;
        }
        if (r.lax) {
          sink("VIF_NUMBER_LAX", `${key} ${JSON.stringify(value)} is read by xl as ${r.value}.`, `Write ${key}=${Math.max(0, r.value)}.`, valueStart, vEnd, a);
        }
        if (key === "devid") {
          effective.devid = r.value;
          effective.devidExplicit = true;
        } else {
          effective.mtu = r.value;
          if (r.value < 68 || r.value > 65535) sink("VIF_MTU_RANGE", `mtu ${r.value} is outside 68..65535: the interface will not take it.`, "Use 1500, or up to 9000 for jumbo frames.", valueStart, vEnd, a);
        }
        break;
      }
      case "vlan":
        effective.vlan = value;
        break;
      default:
        effective.colo[key] = value;
    }
  }

  // Checks on the final values.
  if (macSet) {
    const bytes = effective.macBytes;
    if (bytes.every((b) => b !== null)) {
      const full = bytes as number[];
      const cls = classifyMac(full);
      const macTok = findLastOption(tokens, "mac");
      const s = macTok ? macTok.start + 4 : 0;
      const e = macTok ? macTok.end : 0;
      const a = macTok?.arg !== undefined ? { arg: macTok.arg } : {};
      if (cls.zero) {
        sink("VIF_MAC_ZERO", "The MAC xl ends up with is all zeros, so xl makes up a random one at every start.", "Give a real MAC, e.g. one generated in Xen's 00:16:3e prefix.", s, e, a);
      } else {
        effective.mac = formatMac(full);
        if (cls.multicast) {
          sink("VIF_MAC_MULTICAST", `${effective.mac} is a ${cls.broadcast ? "broadcast" : "multicast"} address (lowest bit of the first octet set): xl accepts it, but a NIC cannot use it.`, "Use an address whose first octet is even, e.g. in 00:16:3e or a locally administered prefix (x2, x6, xa, xe).", s, e, a);
        } else if (!cls.locallyAdministered && !cls.xenOui) {
          sink("VIF_MAC_NOT_LOCAL", `${effective.mac} is neither in Xen's prefix 00:16:3e nor locally administered: it may clash with real hardware.`, "Use 00:16:3e:xx:xx:xx or a first octet whose second hex digit is 2, 6, a or e.", s, e, a);
        }
      }
    }
  }
  if (effective.ip !== null) {
    effective.ips = effective.ip.split(/[ \t\n]+/).filter((w) => w !== "");
    const ipTok = findLastOption(tokens, "ip");
    const bad = effective.ips.filter((w) => !isValidIpOrCidr(w));
    if (ipTok && (bad.length > 0 || effective.ips.length === 0)) {
      sink("VIF_IP_INVALID", effective.ips.length === 0 ? "ip= is empty: no address for the antispoofing rules." : `Not a valid IP address or CIDR: ${bad.join(", ")}.`, "Give one or more addresses separated by spaces, e.g. ip=10.0.0.2 or ip=10.0.0.2 2001:db8::2.", ipTok.start + 3, ipTok.end, ipTok.arg !== undefined ? { arg: ipTok.arg } : {});
    }
  }
  if (effective.vifname !== null) {
    const tok = findLastOption(tokens, "vifname");
    const s = tok ? tok.start + 8 : 0;
    const e = tok ? tok.end : 0;
    const a = tok?.arg !== undefined ? { arg: tok.arg } : {};
    // vif-common.sh renames with ip link set "$dev" name "$vifname": blanks stay in the name.
    const name = effective.vifname;
    const bytes = utf8Length(name);
    if (bytes > 15) {
      sink("VIF_VIFNAME_TOO_LONG", `vifname '${name}' is ${bytes} bytes; Linux interface names have at most 15. The hotplug script's rename fails and the vif is left down on no bridge (old kernels cut the name silently).`, "Use at most 15 characters (8 or fewer is safest).", s, e, { severity: "error", ...a });
    } else if (!isValidIfname(name)) {
      sink("VIF_VIFNAME_INVALID", `vifname ${JSON.stringify(name)} is not a valid Linux interface name (empty, '.', '..', or containing '/', ':' or blanks): the hotplug rename fails and the vif is left down.`, "Use letters, digits, '-' and '_' (and no blank before the comma).", s, e, a);
    } else if (options.guestType === "hvm" && effective.type !== "vif" && bytes > 11) {
      sink("VIF_VIFNAME_HVM_LONG", `On an HVM guest the emulated twin is named '${name}-emu' (${bytes + 4} bytes), over the 15-byte limit.`, "Use at most 11 characters on HVM guests.", s, e, a);
    } else if (name.length > 8) {
      sink("VIF_VIFNAME_LONG", `vifname '${name}' is over 8 characters: some iptables versions mishandle such names.`, "Use 8 characters or fewer if the host's firewall matches on it.", s, e, a);
    }
  }
  if (effective.bridge === "") {
    const tok = findLastOption(tokens, "bridge");
    sink("VIF_BRIDGE_EMPTY", "bridge= is empty: xl does not use the default bridge then, and the vif joins no bridge.", "Name the bridge, or remove bridge= to use the default.", tok ? tok.start : 0, tok ? tok.end : 0, tok?.arg !== undefined ? { arg: tok.arg } : {});
  }
  if (effective.type === "ioemu" && (options.guestType === "pv" || options.guestType === "pvh")) {
    const tok = findLastOption(tokens, "type");
    sink("VIF_TYPE_IOEMU_PV", "type=ioemu on a PV/PVH guest: xl create fails (\"trying to create PV or PVH guest with an emulated interface\").", "Remove type=ioemu, or use type=vif.", tok ? tok.start : 0, tok ? tok.end : 0, {
      xlMessage: "trying to create PV or PVH guest with an emulated interface",
    });
  }
  if (context === "config" && tokens.length === 0) {
    sink("VIF_EMPTY_SPEC", "An empty vif spec: the vif gets all defaults (random MAC, default bridge) and no ip=, so antispoofing cannot work.", "Give at least mac= and ip=.", 0, spec.length, { severity: "warning" });
  }

  const entries: TVifEntry[] = tokens.map((t) => ({ key: t.key, value: t.value }));
  if (effective.macBytes.every((b) => b !== null) && !effective.macBytes.every((b) => b === 0) && effective.mac === null) {
    effective.mac = formatMac(effective.macBytes as number[]);
  }
  return { spec, tokens, entries, effective, fatal, issues, diagnostics: issues.map((i) => i.diagnostic) };
}

/**
 * The vif in libxl's JSON field names (as `xl create -n` and `xl -N network-attach`
 * print libxl_device_nic), with only the fields xl has set.
 */
export function formatLibxlNic(effective: TVifEffective): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (effective.devid !== null) out["devid"] = effective.devid;
  if (effective.backend !== null) out["backend_domname"] = effective.backend;
  if (effective.mtu !== null) out["mtu"] = effective.mtu;
  if (effective.vlan !== null) out["vlan"] = effective.vlan;
  if (effective.model !== null) out["model"] = effective.model;
  if (effective.macBytes.every((b) => b !== null) && !effective.macBytes.every((b) => b === 0)) out["mac"] = formatMac(effective.macBytes as number[]);
  if (effective.ip !== null) out["ip"] = effective.ip;
  if (effective.bridge !== null) out["bridge"] = effective.bridge;
  if (effective.vifname !== null) out["ifname"] = effective.vifname;
  if (effective.script !== null) out["script"] = effective.script;
  if (effective.type !== null) out["nictype"] = effective.type === "ioemu" ? "vif_ioemu" : "vif";
  if (effective.rate !== null) {
    out["rate_bytes_per_interval"] = effective.rate.bytesPerInterval;
    out["rate_interval_usecs"] = effective.rate.intervalUsecs;
  }
  if (effective.gatewaydev !== null) out["gatewaydev"] = effective.gatewaydev;
  if (effective.forwarddev !== null) out["coloft_forwarddev"] = effective.forwarddev;
  for (const [k, v] of Object.entries(effective.colo)) out[k] = v;
  if (effective.trusted !== null) out["trusted"] = effective.trusted ? "True" : "False";
  return out;
}

/** Parses one vif string from a config file (position = its index in the vif list). */
export function parseVifSpec(spec: string, options: TParseVifOptions = {}): TParsedVif {
  return applyVifTokens(spec, tokenizeVifSpec(spec), { ...options, context: options.context ?? "config" });
}

// ---------------------------------------------------------------------------
// Structured vifs and the canonical formatter

export const ZVifSchema = z
  .object({
    mac: z.string().optional(),
    bridge: z.string().optional(),
    ip: z.union([z.string(), z.array(z.string())]).optional(),
    vifname: z.string().optional(),
    type: z.enum(["vif", "ioemu"]).optional(),
    model: z.string().optional(),
    script: z.string().optional(),
    backend: z.string().optional(),
    gatewaydev: z.string().optional(),
    rate: z.string().optional(),
    mtu: z.number().int().optional(),
    devid: z.number().int().optional(),
    vlan: z.string().optional(),
    forwarddev: z.string().optional(),
    trusted: z.boolean().optional(),
    colo: z.record(z.string(), z.string()).optional(),
    /** Anything else, kept in order (unknown keys, bare words). */
    extra: z.array(z.object({ key: z.string(), value: z.string().nullable() })).optional(),
  })
  .strict();
export type TVif = z.infer<typeof ZVifSchema>;

const CANONICAL_ORDER = ["mac", "bridge", "ip", "vifname", "type", "model", "script", "backend", "gatewaydev", "rate", "mtu", "devid", "vlan", "forwarddev"] as const;

/** The ordered key/value pairs of a structured vif, canonical order. */
export function listVifEntries(vif: TVif): TVifEntry[] {
  const out: TVifEntry[] = [];
  for (const key of CANONICAL_ORDER) {
    const v = vif[key];
    if (v === undefined) continue;
    out.push({ key, value: Array.isArray(v) ? v.join(" ") : String(v) });
  }
  if (vif.trusted !== undefined) out.push({ key: vif.trusted ? "trusted" : "untrusted", value: null });
  for (const [k, v] of Object.entries(vif.colo ?? {})) out.push({ key: k, value: v });
  for (const e of vif.extra ?? []) out.push({ key: e.key, value: e.value });
  return out;
}

/** Turns parsed entries back into a structured vif (unknown entries go to extra). */
export function createVifFromEntries(entries: readonly TVifEntry[]): TVif {
  const vif: TVif = {};
  const extra: TVifEntry[] = [];
  for (const { key, value } of entries) {
    if (value === null) {
      if (key === "trusted") vif.trusted = true;
      else if (key === "untrusted") vif.trusted = false;
      else extra.push({ key, value });
      continue;
    }
    switch (key) {
      case "mac": case "bridge": case "ip": case "vifname": case "model": case "script": case "backend":
      case "gatewaydev": case "rate": case "vlan": case "forwarddev":
        vif[key] = value;
        break;
      case "type":
        if (value === "vif" || value === "ioemu") vif.type = value;
        else extra.push({ key, value });
        break;
      case "mtu": case "devid":
        if (/^[0-9]+$/.test(value) && Number(value) <= 0x7fffffff) vif[key] = Number(value);
        else extra.push({ key, value });
        break;
      default:
        if ((VIF_COLO_KEYS as readonly string[]).includes(key)) vif.colo = { ...(vif.colo ?? {}), [key]: value };
        else extra.push({ key, value });
    }
  }
  if (extra.length > 0) vif.extra = extra;
  return vif;
}

export type TFormatVifResult = { ok: boolean; spec: string; diagnostics: TDiagnostic[] };

/**
 * The canonical vif spec, e.g. mac=00:16:3e:01:02:03,bridge=xenbr0,ip=10.0.0.2,vifname=web1.
 * Refuses (ok: false) values xl cannot carry: a comma (xl splits on it), a line
 * break, a NUL, a leading space on a key, a key with '='.
 */
export function formatVifSpec(vif: TVif | readonly TVifEntry[]): TFormatVifResult {
  const entries = Array.isArray(vif) ? (vif as readonly TVifEntry[]) : listVifEntries(vif as TVif);
  const diagnostics: TDiagnostic[] = [];
  const parts: string[] = [];
  for (const { key, value } of entries) {
    const problem = checkVifEntry(key, value, "config");
    if (problem) {
      diagnostics.push(problem);
      continue;
    }
    parts.push(value === null ? key : `${key}=${value}`);
  }
  return { ok: diagnostics.length === 0, spec: parts.join(","), diagnostics };
}

/** Whether a key/value can be written in a vif spec (context config) or as one network-attach word. */
export function checkVifEntry(key: string, value: string | null, context: TVifContext): TDiagnostic | null {
  const where = { line: 1, column: 1 };
  const all = key + (value ?? "");
  if (/[\n\r\0]/.test(all)) {
    return makeDiagnostic("VIF_VALUE_NEWLINE", `The ${key} value contains a line break or NUL, which xl cannot take.`, where, "Remove the line break.");
  }
  if (context === "config" && all.includes(",")) {
    return makeDiagnostic("VIF_VALUE_COMMA", `The ${key} value contains a comma: xl splits vif specs on commas, so it cannot be written.`, where, "Remove the comma (several IPs are separated by spaces).");
  }
  if (key === "" || key.includes("=") || /^[ ]/.test(key) || /[ \t]/.test(key)) {
    return makeDiagnostic("VIF_VALUE_INVALID", `The key ${JSON.stringify(key)} cannot be written: keys have no blanks or '='.`, where, "Use one of xl's vif keys.");
  }
  if (key === "mac" && value !== null && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(value)) {
    return makeDiagnostic("VIF_MAC_INVALID", `${JSON.stringify(value)} is not a MAC address of the form 00:16:3e:01:02:03.`, where, "Give six two-digit hex groups separated by ':'.", { severity: "error" });
  }
  return null;
}
