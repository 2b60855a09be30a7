import { z } from "zod";

import { HostError } from "~/server/host/driver";
import type { TDomainState, TDomainType, TRate } from "~/server/host/inventory";

/** Parsers for what `xl` prints (Xen 4.17 formats, see the captures in ./testdata). */

export type TXlListRow = { name: string; domid: number; memoryMiB: number; vcpus: number; state: TDomainState; stateFlags: string };

const XL_LIST_ROW = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-rbpscd]{6})\s+([\d.]+)(?:\s|$)/;

/** `xl list` (also `xl list -v`): one row per domain. */
export function parseXlList(text: string): TXlListRow[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (!lines[0]?.startsWith("Name")) throw new HostError("UNPARSABLE_OUTPUT", "xl list: no header line");
  return lines.slice(1).map((line) => {
    const m = XL_LIST_ROW.exec(line);
    if (!m?.[1] || !m[2] || !m[3] || !m[4] || !m[5]) {
      throw new HostError("UNPARSABLE_OUTPUT", `xl list: cannot read "${line.slice(0, 80)}"`);
    }
    return { name: m[1], domid: Number(m[2]), memoryMiB: Number(m[3]), vcpus: Number(m[4]), stateFlags: m[5], state: toDomainState(m[5]) };
  });
}

/** xl's six state columns `rbpscd`; the most telling flag wins. */
export function toDomainState(flags: string): TDomainState {
  if (flags.includes("d")) return "dying";
  if (flags.includes("c")) return "crashed";
  if (flags.includes("s")) return "shutdown";
  if (flags.includes("p")) return "paused";
  if (flags.includes("r")) return "running";
  if (flags.includes("b")) return "blocked";
  return "unknown";
}

const ZXlNicSchema = z.looseObject({
  devid: z.number().int().nonnegative().optional(),
  mac: z.string().optional(),
  bridge: z.string().optional(),
  ifname: z.string().optional(),
  ip: z.string().optional(),
  script: z.string().optional(),
  nictype: z.string().optional(),
  model: z.string().optional(),
  rate_bytes_per_interval: z.number().int().nonnegative().optional(),
  rate_interval_usecs: z.number().int().positive().optional(),
});

const ZXlListLongSchema = z.array(
  z.looseObject({
    domid: z.number().int().nonnegative(),
    config: z.looseObject({
      c_info: z.looseObject({ type: z.string().optional(), name: z.string().optional() }),
      b_info: z
        .looseObject({
          max_memkb: z.number().optional(),
          target_memkb: z.number().optional(),
          max_vcpus: z.number().int().optional(),
        })
        .optional(),
      nics: z.array(ZXlNicSchema).optional(),
    }),
  }),
);

export type TXlNic = {
  devid: number;
  mac: string | null;
  bridge: string | null;
  /** The `vifname=` (libxl calls it ifname). */
  vifname: string | null;
  ips: string[];
  script: string | null;
  /** `vif_ioemu` for an HVM guest's NIC with an emulated twin, `vif` otherwise. */
  nictype: string | null;
  rate: TRate | null;
};

export type TXlDomainConfig = { domid: number; name: string; type: TDomainType | null; nics: TXlNic[] };

/** `xl list -l` (JSON): each domain's type and NICs as libxl stored them. */
export function parseXlListLong(text: string): TXlDomainConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HostError("UNPARSABLE_OUTPUT", "xl list -l: output is not JSON (is output_format=\"sxp\" set in xl.conf?)");
  }
  const parsed = ZXlListLongSchema.safeParse(json);
  if (!parsed.success) throw new HostError("UNPARSABLE_OUTPUT", `xl list -l: unexpected JSON (${parsed.error.issues[0]?.message ?? ""})`);
  return parsed.data.map((domain) => {
    const type = domain.config.c_info.type;
    return {
      domid: domain.domid,
      name: domain.config.c_info.name ?? "",
      type: type === "pv" || type === "pvh" || type === "hvm" ? type : null,
      nics: (domain.config.nics ?? []).map((nic, index) => ({
        devid: nic.devid ?? index,
        mac: nic.mac ?? null,
        bridge: nic.bridge ?? null,
        vifname: nic.ifname ?? null,
        ips: splitIps(nic.ip),
        script: nic.script ?? null,
        nictype: nic.nictype ?? null,
        rate:
          nic.rate_bytes_per_interval !== undefined && nic.rate_interval_usecs !== undefined
            ? { bytesPerInterval: nic.rate_bytes_per_interval, intervalUsecs: nic.rate_interval_usecs }
            : null,
      })),
    };
  });
}

/** `xl info`: `key : value` lines. */
export function parseXlInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+)\s*:\s?(.*)$/.exec(line);
    if (m?.[1]) info[m[1]] = (m[2] ?? "").trim();
  }
  if (!info.xen_version && !info.host) throw new HostError("UNPARSABLE_OUTPUT", "xl info: no host or xen_version");
  return info;
}

export type TNetworkListRow = {
  domid: number;
  devid: number;
  backendDomid: number;
  mac: string;
  /** XenBus state of the backend: 4 = connected (also after a failed hotplug: no health check). */
  state: number;
  eventChannel: number;
  txRingRef: number;
  rxRingRef: number;
  backendPath: string;
};

/**
 * `xl network-list <domain>…`: rows in xl's order, which sorts devids as
 * strings (0, 1, 10, 2, …); the domain comes from the backend path.
 */
export function parseNetworkList(text: string): TNetworkListRow[] {
  const rows: TNetworkListRow[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("Idx")) continue;
    const f = line.trim().split(/\s+/);
    const [idx, be, mac, , state, evtch, rings, path] = f;
    const ring = /^(-?\d+)\/(-?\d+)$/.exec(rings ?? "");
    const where = /\/backend\/vif\/(\d+)\/(\d+)$/.exec(path ?? "");
    if (!idx || !be || !mac || !state || !evtch || !ring?.[1] || !ring[2] || !where?.[1] || !path) {
      throw new HostError("UNPARSABLE_OUTPUT", `xl network-list: cannot read "${line.slice(0, 80)}"`);
    }
    rows.push({
      domid: Number(where[1]),
      devid: Number(idx),
      backendDomid: Number(be),
      mac,
      state: Number(state),
      eventChannel: Number(evtch),
      txRingRef: Number(ring[1]),
      rxRingRef: Number(ring[2]),
      backendPath: path,
    });
  }
  return rows;
}

/** `ip=` holds one address or several separated by spaces. */
export function splitIps(value: string | undefined | null): string[] {
  return (value ?? "").split(/\s+/).filter((ip) => ip !== "");
}

/** xenstore's `rate = "62500,50000"`: bytes per interval, interval in µs. */
export function parseXenstoreRate(value: string | undefined | null): TRate | null {
  const m = /^(\d+),(\d+)$/.exec((value ?? "").trim());
  if (!m?.[1] || !m[2] || Number(m[2]) <= 0) return null;
  return { bytesPerInterval: Number(m[1]), intervalUsecs: Number(m[2]) };
}
