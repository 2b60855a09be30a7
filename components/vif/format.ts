/** Links and display helpers shared by the vif, domain and overview components (number formats live in components/charts/format). */

import { formatBitsPerSecond, formatBytes } from "~/components/charts/format";

/** A rate in bits per second, or a dash when it is unknown. */
export function formatRateOrDash(bps: number | null): string {
  return bps === null ? "—" : formatBitsPerSecond(bps);
}

/** A byte count, or a dash when it is unknown. */
export function formatBytesOrDash(bytes: number | null): string {
  return bytes === null ? "—" : formatBytes(bytes);
}

/** The URL of a vif's page: its stable name, whose `/` (domain/devid) stays a path separator. */
export function hrefOfVif(key: string): string {
  return `/vifs/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export function hrefOfDomain(name: string): string {
  return `/domains/${encodeURIComponent(name)}`;
}

/** A URL path segment decoded, or as it is when it is not valid percent-encoding. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
