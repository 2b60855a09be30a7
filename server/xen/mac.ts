// MAC addresses: xl's lax parser (with its partial results), the strict form,
// the bits that matter, a collision-checked generator, the IP-derived scheme
// and the birthday-paradox odds (xl-syntax.md §5, the seed chapter).

export const XEN_OUI = [0x00, 0x16, 0x3e] as const;

export type TMacBytes = [number, number, number, number, number, number];

export type TXlMacParse = {
  /** xl accepted the value (no "Invalid parameter `mac'."). */
  ok: boolean;
  /** The six octets after this token, starting from `previous`; null = unknown memory xl read. */
  bytes: (number | null)[];
  /** How many groups xl wrote before stopping. */
  groupsWritten: number;
  /** The value had fewer than six groups and xl read past its end. */
  readPastEnd: boolean;
  /** The value is not six 1-2 digit hex groups separated by ':' (xl still took it). */
  nonStandard: boolean;
};

const ULONG_MAX = 0xffffffffffffffffn;

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** C strtoul(s + p, &end, 16): the value and the end offset (== p when nothing was read). */
function strtoul16(mem: string, p: number): { value: bigint; end: number } {
  let i = p;
  while (i < mem.length && isCSpace(mem.charCodeAt(i))) i++;
  let negative = false;
  if (i < mem.length && (mem.charAt(i) === "+" || mem.charAt(i) === "-")) {
    negative = mem.charAt(i) === "-";
    i++;
  }
  if (mem.charAt(i) === "0" && (mem.charAt(i + 1) === "x" || mem.charAt(i + 1) === "X") && hexDigit(mem.charCodeAt(i + 2)) >= 0) i += 2;
  const digitsStart = i;
  let value = 0n;
  let overflow = false;
  while (i < mem.length) {
    const d = hexDigit(mem.charCodeAt(i));
    if (d < 0) break;
    if (!overflow) {
      value = value * 16n + BigInt(d);
      if (value > ULONG_MAX) overflow = true;
    }
    i++;
  }
  if (i === digitsStart) return { value: 0n, end: p };
  if (overflow) return { value: ULONG_MAX, end: i };
  if (negative && value !== 0n) value = (ULONG_MAX + 1n - value) & ULONG_MAX;
  return { value, end: i };
}

/**
 * Parses a mac= value as xl's parse_nic_config does: six strtoul(…, 16), each
 * followed by skipping exactly one character. `following` is what lies in
 * memory after the value's terminating NUL (the rest of the vif string in a
 * config file, the next argv words for network-attach), or null when unknown.
 * `previous` is the MAC already set on the vif (a later mac= overwrites it
 * only as far as it gets).
 */
export function parseMacLikeXl(value: string, following: string | null, previous?: readonly (number | null)[]): TXlMacParse {
  const bytes: (number | null)[] = previous ? [...previous] : [0, 0, 0, 0, 0, 0];
  const mem = value + "\0" + (following === null ? "" : following + "\0");
  const knownLength = mem.length;
  let p = 0;
  let readPastEnd = false;
  for (let i = 0; i < 6; i++) {
    if (p > value.length) readPastEnd = true;
    if (p >= knownLength) {
      // xl reads memory whose contents we cannot know.
      for (let j = i; j < 6; j++) bytes[j] = null;
      return { ok: true, bytes, groupsWritten: i, readPastEnd: true, nonStandard: true };
    }
    const r = strtoul16(mem, p);
    const asUnsignedInt = Number(r.value & 0xffffffffn);
    if (r.end === p || asUnsignedInt > 255) {
      return { ok: false, bytes, groupsWritten: i, readPastEnd, nonStandard: true };
    }
    bytes[i] = asUnsignedInt;
    p = r.end + 1;
  }
  const nonStandard = !/^[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5}[ \t]*$/.test(value) || readPastEnd;
  return { ok: true, bytes, groupsWritten: 6, readPastEnd, nonStandard };
}

/** Strict MAC reading for our own inputs: six groups of 1-2 hex digits separated by ':' or '-' (not mixed). */
export function parseMac(text: string): TMacBytes | null {
  const m = /^([0-9a-fA-F]{1,2})([:-])([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})$/.exec(text.trim());
  if (!m) return null;
  return [m[1], m[3], m[4], m[5], m[6], m[7]].map((g) => parseInt(g ?? "0", 16)) as TMacBytes;
}

/** "00:16:3e:0a:0b:0c" (lower case, two digits per octet, as xl and xenstore print it). */
export function formatMac(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Canonical lower-case form of a MAC, or null when it is not a MAC. */
export function normalizeMac(text: string): string | null {
  const b = parseMac(text);
  return b ? formatMac(b) : null;
}

export function isMulticastMac(bytes: readonly number[]): boolean {
  return ((bytes[0] ?? 0) & 0x01) === 0x01;
}
export function isLocallyAdministeredMac(bytes: readonly number[]): boolean {
  return ((bytes[0] ?? 0) & 0x02) === 0x02;
}
export function isXenOuiMac(bytes: readonly number[]): boolean {
  return bytes[0] === XEN_OUI[0] && bytes[1] === XEN_OUI[1] && bytes[2] === XEN_OUI[2];
}
export function isZeroMac(bytes: readonly number[]): boolean {
  return bytes.every((b) => b === 0);
}

export type TMacClass = {
  multicast: boolean;
  broadcast: boolean;
  locallyAdministered: boolean;
  xenOui: boolean;
  zero: boolean;
};

export function classifyMac(bytes: readonly number[]): TMacClass {
  return {
    multicast: isMulticastMac(bytes),
    broadcast: bytes.every((b) => b === 0xff),
    locallyAdministered: isLocallyAdministeredMac(bytes),
    xenOui: isXenOuiMac(bytes),
    zero: isZeroMac(bytes),
  };
}

export type TRandomBytes = (count: number) => Uint8Array;

function defaultRandomBytes(count: number): Uint8Array {
  const out = new Uint8Array(count);
  globalThis.crypto.getRandomValues(out);
  return out;
}

function toMacSet(known: Iterable<string>): Set<string> {
  const set = new Set<string>();
  for (const k of known) {
    const n = normalizeMac(k);
    if (n !== null) set.add(n);
  }
  return set;
}

/**
 * A new MAC in Xen's prefix, 00:16:3e:XX:XX:XX with the 4th octet's top bit clear
 * as libxl makes them, that is none of the `known` MACs (the host's and every
 * config's). Generate it once and use the same value for the live attach and
 * the config file. Returns null only if 1000 draws all collide.
 */
export function generateXenMac(known: Iterable<string>, randomBytes: TRandomBytes = defaultRandomBytes): string | null {
  const taken = toMacSet(known);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const r = randomBytes(3);
    const mac = formatMac([XEN_OUI[0], XEN_OUI[1], XEN_OUI[2], (r[0] ?? 0) & 0x7f, r[1] ?? 0, r[2] ?? 0]);
    if (mac !== "00:16:3e:00:00:00" && !taken.has(mac)) return mac;
  }
  return null;
}

export const DEFAULT_IP_MAC_PREFIX = "ae:00";

/**
 * The seed chapter's scheme: a 2-byte locally administered unicast prefix followed
 * by the IPv4 address in hex, e.g. 10.0.2.21 → ae:00:0a:00:02:15. The prefix must
 * have the U/L bit set and the I/G bit clear (second hex digit 2, 6, a or e).
 */
export function deriveMacFromIpv4(ipv4: string, prefix: string = DEFAULT_IP_MAC_PREFIX): { ok: true; mac: string } | { ok: false; error: string } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ipv4.trim());
  const octets = m ? [m[1], m[2], m[3], m[4]].map((x) => Number(x)) : null;
  if (!octets || octets.some((o) => o > 255)) return { ok: false, error: `not an IPv4 address: ${ipv4}` };
  const p = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/.exec(prefix.trim());
  if (!p) return { ok: false, error: `the prefix must be two octets like ae:00, got ${prefix}` };
  const first = parseInt(p[1] ?? "0", 16);
  if ((first & 0x01) !== 0) return { ok: false, error: "the prefix's first octet is multicast (its second hex digit must be 2, 6, a or e)" };
  if ((first & 0x02) === 0) return { ok: false, error: "the prefix is not locally administered (its second hex digit must be 2, 6, a or e)" };
  return { ok: true, mac: formatMac([first, parseInt(p[2] ?? "0", 16), ...octets]) };
}

/**
 * Probability that at least two of n MACs drawn uniformly from 2^bits values
 * coincide (birthday paradox). The seed chapter counts 3 random bytes (24 bits):
 * about 3% for 1,000 guests. libxl actually draws only 23 bits (the 4th octet's
 * top bit is clear), which about doubles the odds.
 */
export function computeMacCollisionProbability(n: number, bits = 24): number {
  if (!Number.isFinite(n) || n < 2) return 0;
  const space = 2 ** bits;
  if (n > space) return 1;
  let logNoCollision = 0;
  for (let i = 1; i < n; i++) logNoCollision += Math.log1p(-i / space);
  return -Math.expm1(logNoCollision);
}
