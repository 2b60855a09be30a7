// The vif rate= value as xl reads it (xl-syntax.md §4): RATE[@INTERVAL],
// numbers read like C strtoull(…, 0) (a leading 0 means octal), the same
// checks and the same messages.

const UINT32_MAX = 0xffffffffn;
const UINT64_MAX = 0xffffffffffffffffn;
const DEFAULT_INTERVAL_USECS = 50_000;

export type TVifRate = {
  /** Bytes allowed per replenishment interval (what xl stores as rate_bytes_per_interval). */
  bytesPerInterval: number;
  /** Replenishment interval in microseconds (rate_interval_usecs). */
  intervalUsecs: number;
  /** Bytes per second before the interval is applied. */
  bytesPerSecond: number;
};

export type TVifRateError = {
  /** xl's message: "no rate specified", "invalid rate", "rate overflow", … */
  reason: "no rate specified" | "invalid rate" | "rate overflow" | "invalid replenishment interval" | "replenishment interval overflow";
  /** The part of the value xl quotes in its message. */
  quoted: string;
};

export type TVifRateResult = ({ ok: true } & TVifRate) | ({ ok: false } & TVifRateError);

/** The message xl prints for a bad rate, e.g. "command line: config parsing error in vif: invalid rate in `fast'". */
export function formatRateError(source: string, error: TVifRateError): string {
  return `${source}: config parsing error in vif: ${error.reason} in \`${error.quoted}'`;
}

const RATE_SHAPE = /^[0-9]+[GMK]?[Bb]\/s$/;
const INTERVAL_SHAPE = /^[0-9]+[mu]?s?$/;

/** strtoull(s, &end, 0) on a string known to start with a digit. */
function readCNumber(s: string): { value: bigint; end: number } {
  let i = 0;
  let base = 10n;
  if (s.charAt(0) === "0") base = 8n;
  let value = 0n;
  let overflow = false;
  const limit = base === 8n ? 55 /* '7' */ : 57; /* '9' */
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > limit) break;
    value = value * base + BigInt(c - 48);
    if (value > UINT64_MAX) overflow = true;
    i++;
  }
  return { value: overflow ? UINT64_MAX : value, end: i };
}

/** Parses a rate= value exactly as xl's xlu_vif_parse_rate does. */
export function parseVifRate(rate: string): TVifRateResult {
  const at = rate.indexOf("@");
  const ratePart = at >= 0 ? rate.slice(0, at) : rate;
  const intervalPart = at >= 0 ? rate.slice(at + 1) : null;
  if (ratePart === "") return { ok: false, reason: "no rate specified", quoted: rate };
  if (!RATE_SHAPE.test(ratePart)) return { ok: false, reason: "invalid rate", quoted: ratePart };
  const r = readCNumber(ratePart);
  let bytesPerSecond = r.value;
  if (bytesPerSecond === 0n || bytesPerSecond > UINT32_MAX) return { ok: false, reason: "rate overflow", quoted: ratePart };
  const unit = ratePart.charAt(r.end);
  if (unit === "G") bytesPerSecond *= 1_000_000_000n;
  else if (unit === "M") bytesPerSecond *= 1_000_000n;
  else if (unit === "K") bytesPerSecond *= 1_000n;
  if (unit === "b" || ratePart.charAt(r.end + 1) === "b") bytesPerSecond /= 8n;

  let intervalUsecs = BigInt(DEFAULT_INTERVAL_USECS);
  if (intervalPart !== null) {
    if (!INTERVAL_SHAPE.test(intervalPart)) return { ok: false, reason: "invalid replenishment interval", quoted: intervalPart };
    const iv = readCNumber(intervalPart);
    let usecs = iv.value;
    if (usecs === 0n || usecs > UINT32_MAX) return { ok: false, reason: "replenishment interval overflow", quoted: intervalPart };
    const u = intervalPart.charAt(iv.end);
    if (u === "s" || u === "") usecs *= 1_000_000n;
    else if (u === "m") usecs *= 1_000n;
    if (usecs > UINT32_MAX) return { ok: false, reason: "replenishment interval overflow", quoted: intervalPart };
    intervalUsecs = usecs;
  }
  if (bytesPerSecond > UINT64_MAX / intervalUsecs) return { ok: false, reason: "rate overflow", quoted: rate };
  const bytesPerInterval = (bytesPerSecond * intervalUsecs) / 1_000_000n;
  return {
    ok: true,
    bytesPerInterval: Number(bytesPerInterval),
    intervalUsecs: Number(intervalUsecs),
    bytesPerSecond: Number(bytesPerSecond),
  };
}

/**
 * Writes a rate= value that xl reads back as the given bytes per second and
 * interval: the largest of G/M/K that divides exactly, "@" only when the
 * interval is not xl's default 50 ms. `unit: "bits"` writes b/s when exact.
 * Returns null for a rate or interval that cannot be written.
 */
export function formatRate(rate: { bytesPerSecond: number; intervalUsecs?: number; unit?: "bytes" | "bits" }): string | null {
  const bps = Math.floor(rate.bytesPerSecond);
  if (!Number.isFinite(bps) || bps <= 0 || bps > Number.MAX_SAFE_INTEGER) return null;
  let body = "";
  const wantBits = rate.unit === "bits";
  const base = BigInt(bps) * (wantBits ? 8n : 1n);
  const letter = wantBits ? "b" : "B";
  for (const [suffix, factor] of [["G", 1_000_000_000n], ["M", 1_000_000n], ["K", 1_000n], ["", 1n]] as const) {
    if (base % factor === 0n && base / factor <= UINT32_MAX) {
      body = `${base / factor}${suffix}${letter}/s`;
      break;
    }
  }
  if (body === "") body = `${bps}B/s`; // too large for any unit: let xl report the overflow
  const interval = rate.intervalUsecs ?? DEFAULT_INTERVAL_USECS;
  if (interval === DEFAULT_INTERVAL_USECS) return body;
  if (!Number.isInteger(interval) || interval <= 0 || interval > 0xffffffff) return null;
  if (interval % 1_000_000 === 0) return `${body}@${interval / 1_000_000}s`;
  if (interval % 1_000 === 0) return `${body}@${interval / 1_000}ms`;
  return `${body}@${interval}us`;
}
