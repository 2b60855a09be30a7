// Diagnostics shared by every part of server/xen.
// Each code is stable: the UI, the API and the tests refer to it by name.

export type TSeverity = "error" | "warning" | "info";

/** Every diagnostic code, with its usual severity and a one-line meaning. */
export const DIAGNOSTIC_CODES = {
  // --- config file: lexical level (xl prints "lexical error") ---
  XL_LEX_CR: { severity: "error", meaning: "carriage return (CRLF line ending): xl treats \\r as an illegal character" },
  XL_LEX_UPPERCASE: { severity: "error", meaning: "a name or word with an upper-case letter: xl identifiers are lower case only" },
  XL_LEX_PYTHON: { severity: "error", meaning: "one of + - . ( ) : outside a string: Python-looking syntax xl does not support" },
  XL_LEX_COMMENT_AT_EOF: { severity: "error", meaning: "a # comment on the last line without a final newline" },
  XL_LEX_UNTERMINATED_STRING: { severity: "error", meaning: "a quote that is never closed on the same line" },
  XL_LEX_BAD_NUMBER: { severity: "error", meaning: "a number followed by characters xl does not allow in a number (upper-case hex, units)" },
  XL_LEX_BAD_CHAR: { severity: "error", meaning: "a character xl does not allow outside strings" },
  XL_LEX_STRAY_AT_EOF: { severity: "warning", meaning: "a stray character at the very end of a file without a final newline: xl silently drops it" },
  // --- config file: strings ---
  XL_STRING_HEX_ESCAPE: { severity: "error", meaning: "\\x escape: always rejected by xl" },
  XL_STRING_OCTAL_ESCAPE: { severity: "error", meaning: "malformed \\0-\\7 escape" },
  XL_STRING_OCTAL_DROPPED: { severity: "warning", meaning: "octal escape accepted by xl but its character is dropped" },
  XL_STRING_BAD_ESCAPE: { severity: "error", meaning: "unknown backslash escape" },
  XL_STRING_NUL: { severity: "error", meaning: "NUL byte inside a string: xl aborts" },
  // --- config file: grammar and values ---
  XL_SYNTAX: { severity: "error", meaning: "syntax error (as reported by xl's parser)" },
  XL_SYNTAX_BARE_WORD: { severity: "error", meaning: "an unquoted word used as a value" },
  XL_SYNTAX_NEWLINE_BEFORE_LIST: { severity: "error", meaning: "a line break between = and [" },
  XL_CONCAT_TYPE: { severity: "error", meaning: "+= mixing a list and a string" },
  XL_PYTHON: { severity: "info", meaning: "xl's 'looks like Python' warning printed after a failed parse" },
  XL_DUPLICATE_SETTING: { severity: "info", meaning: "a setting assigned more than once: the last one wins" },
  XL_ADD_NUMBER: { severity: "warning", meaning: "+= on a numeric option: xl ignores the option" },
  XL_VIF_NOT_LIST: { severity: "warning", meaning: "vif is a single value: xl ignores it and the guest gets no vif" },
  XL_VIF_NESTED_LIST: { severity: "warning", meaning: "a nested list inside vif: xl stops reading vifs there" },
  // --- vif specs ---
  VIF_UNKNOWN_KEY: { severity: "warning", meaning: "unknown vif key (fatal for network-attach)" },
  VIF_BARE_WORD: { severity: "warning", meaning: "a word without = in a vif spec (fatal for network-attach)" },
  VIF_FLAG_WITH_VALUE: { severity: "warning", meaning: "trusted/untrusted take no value" },
  VIF_EMPTY_TOKEN: { severity: "warning", meaning: "a vif field made only of spaces" },
  VIF_SPACE_BEFORE_EQUALS: { severity: "warning", meaning: "a blank between key and =: xl does not recognise the key" },
  VIF_KEY_CASE: { severity: "warning", meaning: "a vif key in the wrong case: keys are case-sensitive" },
  VIF_LEADING_TAB: { severity: "warning", meaning: "a tab before a vif key: xl strips only spaces" },
  VIF_MAC_INVALID: { severity: "warning", meaning: "bad MAC: xl keeps the octets parsed before the error" },
  VIF_MAC_SHORT: { severity: "warning", meaning: "MAC with fewer than six octets: xl reads a garbage byte" },
  VIF_MAC_NONSTANDARD: { severity: "info", meaning: "MAC accepted by xl but not written as six two-digit groups separated by ':'" },
  VIF_MAC_MULTICAST: { severity: "warning", meaning: "multicast/broadcast MAC on a vif" },
  VIF_MAC_ZERO: { severity: "warning", meaning: "all-zero MAC: xl generates a random one instead" },
  VIF_MAC_NOT_LOCAL: { severity: "warning", meaning: "MAC neither locally administered nor in Xen's 00:16:3e prefix" },
  VIF_MAC_DUPLICATE: { severity: "error", meaning: "the same MAC twice (in a file, across files, or on the running host)" },
  VIF_TYPE_INVALID: { severity: "warning", meaning: "type is not vif or ioemu (fatal for network-attach)" },
  VIF_TYPE_IOEMU_PV: { severity: "error", meaning: "type=ioemu on a PV/PVH guest: xl create fails" },
  VIF_RATE_INVALID: { severity: "error", meaning: "rate xl rejects (fatal)" },
  VIF_NUMBER_INVALID: { severity: "error", meaning: "mtu/devid xl cannot convert (fatal)" },
  VIF_NUMBER_LAX: { severity: "warning", meaning: "mtu/devid with characters xl ignores, or a negative value" },
  VIF_MTU_RANGE: { severity: "warning", meaning: "mtu outside 68..65535" },
  VIF_DEVID_DUPLICATE: { severity: "error", meaning: "two vifs with the same devid" },
  VIF_DEVID_10: { severity: "warning", meaning: "devid 10 or above: xl then refuses every further hot-attach" },
  VIF_TOO_MANY: { severity: "warning", meaning: "more than 8 vifs (the limit of older Xen)" },
  VIF_VIFNAME_TOO_LONG: { severity: "error", meaning: "vifname over 15 bytes: the hotplug rename fails" },
  VIF_VIFNAME_LONG: { severity: "warning", meaning: "vifname over 8 characters breaks some iptables versions" },
  VIF_VIFNAME_HVM_LONG: { severity: "warning", meaning: "vifname over 11 bytes on an HVM guest: the -emu twin is over 15" },
  VIF_VIFNAME_INVALID: { severity: "error", meaning: "vifname with characters Linux refuses in an interface name" },
  VIF_VIFNAME_DUPLICATE: { severity: "error", meaning: "the same vifname twice" },
  VIF_TRAILING_SPACE: { severity: "warning", meaning: "trailing blank inside a vif value (xl keeps it)" },
  VIF_IP_INVALID: { severity: "warning", meaning: "ip= with an address that is not a valid IP or CIDR" },
  VIF_BRIDGE_UNKNOWN: { severity: "warning", meaning: "bridge that does not exist on the host" },
  VIF_BRIDGE_EMPTY: { severity: "warning", meaning: "bridge= with no name" },
  VIF_EMPTY_SPEC: { severity: "warning", meaning: "an empty vif spec: all defaults, no ip= for antispoofing" },
  VIF_NETDEV_DEPRECATED: { severity: "warning", meaning: "netdev= is deprecated (use gatewaydev=)" },
  VIF_ACCEL_IGNORED: { severity: "warning", meaning: "accel= is ignored by xl" },
  VIF_DUPLICATE_KEY: { severity: "info", meaning: "a key given twice in one vif: the last one wins" },
  VIF_ROUTE_NEEDS_IP: { severity: "warning", meaning: "routed/NAT networking without ip=" },
  VIF_ROUTE_BRIDGE_IGNORED: { severity: "info", meaning: "bridge= has no effect in routed/NAT networking" },
  VIF_NO_IP: { severity: "info", meaning: "no ip=: the antispoofing rules cannot be applied" },
  VIF_VALUE_COMMA: { severity: "error", meaning: "a value with a comma cannot be written in a vif spec" },
  VIF_VALUE_NEWLINE: { severity: "error", meaning: "a value with a line break is refused" },
  VIF_VALUE_INVALID: { severity: "error", meaning: "a value that cannot be written in a config file or on the command line" },
  // --- network-attach ---
  ATTACH_NO_DOMAIN: { severity: "error", meaning: "xl network-attach needs a domain" },
  ATTACH_COMMA_IN_ARG: { severity: "warning", meaning: "network-attach does not split on commas: the rest goes into the value" },
  // --- legacy xm / xend ---
  XM_NOT_PAIR: { severity: "error", meaning: "xm: a vif field without =" },
  XM_INVALID_OPTION: { severity: "error", meaning: "xm: vif key not allowed" },
  XM_SYNTAX: { severity: "error", meaning: "xm: vif line not understood" },
  SXP_SYNTAX: { severity: "error", meaning: "xend-config.sxp: not a well-formed S-expression" },
} as const satisfies Record<string, { severity: TSeverity; meaning: string }>;

export type TDiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export type TDiagnostic = {
  code: TDiagnosticCode;
  severity: TSeverity;
  message: string;
  /** 1-based line of the real place in the input. */
  line: number;
  /** 1-based column (UTF-16 code units) of the real place. */
  column: number;
  endLine?: number;
  endColumn?: number;
  hint: string;
  /** The exact text xl prints for this problem, where xl prints one (line quirks included). */
  xlMessage?: string;
  /** Which file this came from, when validating several. */
  file?: string;
};

export function makeDiagnostic(
  code: TDiagnosticCode,
  message: string,
  where: { line: number; column: number; endLine?: number; endColumn?: number },
  hint: string,
  extra?: { severity?: TSeverity; xlMessage?: string; file?: string },
): TDiagnostic {
  const d: TDiagnostic = {
    code,
    severity: extra?.severity ?? DIAGNOSTIC_CODES[code].severity,
    message,
    line: where.line,
    column: where.column,
    hint,
  };
  if (where.endLine !== undefined) d.endLine = where.endLine;
  if (where.endColumn !== undefined) d.endColumn = where.endColumn;
  if (extra?.xlMessage !== undefined) d.xlMessage = extra.xlMessage;
  if (extra?.file !== undefined) d.file = extra.file;
  return d;
}

export function hasErrors(diagnostics: readonly TDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Maps offsets in a text to 1-based line/column, with a binary search over line starts. */
export type TPositionMap = { lineStarts: number[] };

export function createPositionMap(text: string): TPositionMap {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  }
  return { lineStarts };
}

export function locateOffset(map: TPositionMap, offset: number): { line: number; column: number } {
  const starts = map.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}
