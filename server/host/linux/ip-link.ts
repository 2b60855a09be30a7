import { z } from "zod";

import { HostError } from "~/server/host/driver";
import { ZStpPortStateSchema } from "~/server/host/inventory";
import type { TOperState, TStpPortState } from "~/server/host/inventory";

/**
 * Parsers for iproute2's JSON: `ip -j -d [-s] link|addr` and `bridge -j link`.
 * Only the fields vifdeck uses are checked; the rest (dozens, varying with the
 * kernel and iproute2 version) pass through unchecked.
 */

/** One interface as the Linux reader reports it, whatever command it came from. */
export type TLink = {
  name: string;
  ifindex: number;
  mtu: number;
  operState: TOperState;
  flags: string[];
  /** The link-layer address; for a Xen backend vif always fe:ff:ff:ff:ff:ff. */
  mac: string | null;
  /** The device this one is enslaved to (a bridge, a bond), by name. */
  master: string | null;
  /** `linkinfo.info_kind`: bridge, veth, tun, vlan, …; null for plain devices (NICs, Xen vifs). */
  kind: string | null;
  /** STP state of the port when this interface is a bridge port. */
  portState: TStpPortState | null;
  /** Set when this interface is a bridge. */
  bridge: { stp: boolean; bridgeId: string } | null;
  /** The bus and device behind the interface: `xen-backend` / `vif-<domid>-<devid>` for a vif. */
  parentBus: string | null;
  parentDev: string | null;
  /** Addresses in CIDR form (IPv4, and IPv6 other than link-local); empty unless read with `ip addr`. */
  addresses: string[];
};

const ZAddrInfoSchema = z.looseObject({
  family: z.string(),
  local: z.string().optional(),
  prefixlen: z.number().int().optional(),
  scope: z.string().optional(),
});

const ZIpLinkSchema = z.looseObject({
  ifindex: z.number().int().nonnegative(),
  ifname: z.string().min(1),
  flags: z.array(z.string()).default([]),
  mtu: z.number().int().positive(),
  operstate: z.string().optional(),
  address: z.string().optional(),
  master: z.string().optional(),
  parentbus: z.string().optional(),
  parentdev: z.string().optional(),
  linkinfo: z
    .looseObject({
      info_kind: z.string().optional(),
      info_data: z.looseObject({ stp_state: z.number().int().optional(), bridge_id: z.string().optional() }).optional(),
      info_slave_kind: z.string().optional(),
      info_slave_data: z.looseObject({ state: z.string().optional() }).optional(),
    })
    .optional(),
  addr_info: z.array(ZAddrInfoSchema).optional(),
});

/** Parses `ip -j [-s] -d link` or `ip -j -d addr` output. */
export function parseIpLinkJson(text: string): TLink[] {
  const parsed = z.array(ZIpLinkSchema).safeParse(parseJson(text, "ip -j link"));
  if (!parsed.success) {
    throw new HostError("UNPARSABLE_OUTPUT", `ip -j link: unexpected output (${z.prettifyError(parsed.error).split("\n")[0] ?? ""})`);
  }
  return parsed.data.map((link) => {
    const info = link.linkinfo;
    const bridgeData = info?.info_kind === "bridge" ? info.info_data : undefined;
    const slaveState = info?.info_slave_kind === "bridge" ? info.info_slave_data?.state : undefined;
    return {
      name: link.ifname,
      ifindex: link.ifindex,
      mtu: link.mtu,
      operState: toOperState(link.operstate, link.flags),
      flags: link.flags,
      mac: link.address ?? null,
      master: link.master ?? null,
      kind: info?.info_kind ?? null,
      portState: slaveState === undefined ? null : toStpPortState(slaveState),
      bridge:
        info?.info_kind === "bridge"
          ? { stp: (bridgeData?.stp_state ?? 0) !== 0, bridgeId: normalizeBridgeId(bridgeData?.bridge_id ?? "") }
          : null,
      parentBus: link.parentbus ?? null,
      parentDev: link.parentdev ?? null,
      addresses: (link.addr_info ?? []).flatMap(toCidr),
    };
  });
}

export type TBridgeLinkPort = { name: string; ifindex: number; master: string; state: TStpPortState; mtu: number };

const ZBridgeLinkSchema = z.looseObject({
  ifindex: z.number().int().nonnegative(),
  ifname: z.string().min(1),
  mtu: z.number().int().positive(),
  master: z.string().min(1),
  state: z.string(),
});

/** Parses `bridge -j link`: one entry per bridge port. */
export function parseBridgeLinkJson(text: string): TBridgeLinkPort[] {
  const parsed = z.array(ZBridgeLinkSchema).safeParse(parseJson(text, "bridge -j link"));
  if (!parsed.success) throw new HostError("UNPARSABLE_OUTPUT", "bridge -j link: unexpected output");
  return parsed.data.map((port) => ({
    name: port.ifname,
    ifindex: port.ifindex,
    master: port.master,
    state: toStpPortState(port.state),
    mtu: port.mtu,
  }));
}

/**
 * iproute2 prints a bridge id as `8000.62:e:2:5d:9c:95` (hex bytes without
 * leading zeros); brctl and sysfs as `8000.620e025d9c95`. vifdeck uses the latter.
 */
export function normalizeBridgeId(id: string): string {
  const match = /^([0-9a-f]{4})\.((?:[0-9a-f]{1,2}:){5}[0-9a-f]{1,2})$/i.exec(id.trim());
  if (!match?.[1] || !match[2]) return id.trim().toLowerCase();
  const mac = match[2]
    .split(":")
    .map((byte) => byte.padStart(2, "0"))
    .join("");
  return `${match[1]}.${mac}`.toLowerCase();
}

/** STP port states as `bridge`/`ip` print them; `blocking` is also spelled `blocked` by some versions. */
export function toStpPortState(state: string): TStpPortState {
  const s = state.toLowerCase() === "blocked" ? "blocking" : state.toLowerCase();
  const parsed = ZStpPortStateSchema.safeParse(s);
  if (!parsed.success) throw new HostError("UNPARSABLE_OUTPUT", `unknown STP port state "${state}"`);
  return parsed.data;
}

/**
 * The kernel's operstate, with UNKNOWN resolved by the flags: devices that do
 * not track it (lo, tap, dummy) say UNKNOWN even when they carry traffic.
 */
export function toOperState(operstate: string | undefined, flags: readonly string[]): TOperState {
  switch ((operstate ?? "UNKNOWN").toUpperCase()) {
    case "UP":
      return "up";
    case "DOWN":
    case "LOWERLAYERDOWN":
    case "NOTPRESENT":
    case "DORMANT":
      return "down";
    default:
      if (!flags.includes("UP")) return "down";
      if (flags.includes("LOWER_UP")) return "up";
      return "unknown";
  }
}

function toCidr(addr: z.infer<typeof ZAddrInfoSchema>): string[] {
  if (!addr.local || addr.prefixlen === undefined) return [];
  if (addr.family === "inet6" && addr.scope === "link") return [];
  if (addr.family !== "inet" && addr.family !== "inet6") return [];
  return [`${addr.local}/${addr.prefixlen}`];
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HostError("UNPARSABLE_OUTPUT", `${what}: output is not JSON`);
  }
}
