/**
 * Number formats of the bandwidth views: rates in bits per second (what
 * admins bill in, decimal prefixes as ISPs use them), volumes in bytes
 * (decimal: 1 GB = 10⁹ bytes, as billing does), times in the browser's zone.
 */

const RATE_UNITS = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"] as const;
const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"] as const;

function scaled(value: number, units: readonly string[], digits: number): string {
  let v = Math.abs(value);
  let unit = 0;
  while (v >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit++;
  }
  const shown = unit === 0 ? Math.round(v).toString() : v.toFixed(v >= 100 ? 0 : v >= 10 ? Math.min(1, digits) : digits);
  return `${value < 0 ? "-" : ""}${shown} ${units[unit]}`;
}

/** 1234567 → "1.23 Mbit/s". */
export function formatBitsPerSecond(bps: number, digits = 2): string {
  return scaled(bps, RATE_UNITS, digits);
}

/** Short axis labels: 1200000 → "1.2M". */
export function formatAxisBits(bps: number): string {
  if (bps === 0) return "0";
  const units = ["", "k", "M", "G", "T"];
  let v = bps;
  let unit = 0;
  while (v >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit++;
  }
  return `${Number(v.toFixed(v >= 10 ? 0 : 1))}${units[unit]}`;
}

/** Mbit/s with two decimals, the unit of the billing columns. */
export function formatMbps(bps: number): string {
  return (bps / 1e6).toFixed(2);
}

/** 1234567n → "1.23 MB". */
export function formatBytes(bytes: bigint | number, digits = 2): string {
  const n = typeof bytes === "bigint" ? Number(bytes) : bytes;
  return scaled(n, BYTE_UNITS, digits);
}

/** Exact byte count with thousands separators, for titles and tables' exact figures. */
export function formatExactBytes(bytes: bigint): string {
  return `${bytes.toLocaleString("en-US")} bytes`;
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
const TIME_SHORT = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const DATE = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });

/** A chart tick for a time in epoch seconds, coarser as the range grows. */
export function formatTick(epochS: number, spanS: number): string {
  const date = new Date(epochS * 1000);
  if (spanS <= 2 * 3600) return TIME_SHORT.format(date);
  if (spanS <= 2 * 86_400) return TIME_SHORT.format(date);
  if (spanS <= 14 * 86_400) return DATE_TIME.format(date);
  return DATE.format(date);
}

/** A full timestamp (epoch seconds) for tooltips and data tables. */
export function formatTimestamp(epochS: number, withSeconds = true): string {
  const date = new Date(epochS * 1000);
  return withSeconds ? `${DATE.format(date)} ${TIME.format(date)}` : DATE_TIME.format(date);
}

/** A duration in seconds: 10 → "10 s", 300 → "5 min", 3600 → "1 h", 86400 → "1 day". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Number((seconds / 3600).toFixed(1))} h`;
  const days = Number((seconds / 86_400).toFixed(1));
  return `${days} ${days === 1 ? "day" : "days"}`;
}
