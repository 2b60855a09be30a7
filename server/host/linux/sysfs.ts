import { readdirSync, readFileSync, readlinkSync } from "node:fs";

import { HostError } from "~/server/host/driver";
import type { TStpPortState } from "~/server/host/inventory";
import { toOperState } from "~/server/host/linux/ip-link";
import type { TLink } from "~/server/host/linux/ip-link";

/** /sys/class/net/<port>/brport/state numbers (include/uapi/linux/if_bridge.h BR_STATE_*). */
const BR_STATES: readonly TStpPortState[] = ["disabled", "listening", "learning", "forwarding", "blocking"];

export function parseBrportState(text: string): TStpPortState {
  const state = BR_STATES[Number(text.trim())];
  if (!/^\d+$/.test(text.trim()) || !state) throw new HostError("UNPARSABLE_OUTPUT", `unknown brport state "${text.trim()}"`);
  return state;
}

/**
 * The Xen backend device of a vif, from `ip -d`'s parentdev (`vif-1-0`) or the
 * target of /sys/class/net/<name>/device (`../../../vif-1-0`) or of the class
 * link itself (`../../devices/vif-2-0/net/vif2.0`). Null for anything else.
 */
export function parseXenBackendDevice(nameOrPath: string): { domid: number; devid: number } | null {
  const match = /(?:^|\/)vif-(\d+)-(\d+)(?:\/|$)/.exec(nameOrPath.trim());
  if (!match?.[1] || !match[2]) return null;
  return { domid: Number(match[1]), devid: Number(match[2]) };
}

/**
 * The default dom0 name of a vif and its emulated twin: `vif<domid>.<devid>`
 * and `vif<domid>.<devid>-emu`.
 */
export function parseDefaultVifName(name: string): { domid: number; devid: number; emu: boolean } | null {
  const match = /^vif(\d+)\.(\d+)(-emu)?$/.exec(name);
  if (!match?.[1] || !match[2]) return null;
  return { domid: Number(match[1]), devid: Number(match[2]), emu: match[3] !== undefined };
}

/**
 * Reads every interface from sysfs alone: no addresses (sysfs has none), no
 * `kind` beyond bridge. The inventory uses `ip -j -d addr` (one snapshot,
 * addresses included, faster at scale — see the benchmark); this reader is the
 * cross-check in the tests and works where iproute2 is missing.
 */
export function readSysfsLinks(sysClassNet = "/sys/class/net"): TLink[] {
  const links: TLink[] = [];
  for (const name of readdirSync(sysClassNet).sort()) {
    const dir = `${sysClassNet}/${name}`;
    const attr = (file: string) => readOptional(`${dir}/${file}`);
    const ifindex = attr("ifindex");
    const mtu = attr("mtu");
    if (ifindex === null || mtu === null) continue; // vanished while we read
    const flags = Number.parseInt(attr("flags") ?? "0", 16);
    const carrier = attr("carrier");
    const device = readLinkOptional(`${dir}/device`);
    const devicePath = readLinkOptional(dir) ?? "";
    const isBridge = readOptional(`${dir}/bridge/stp_state`) !== null;
    const brportState = attr("brport/state");
    const xen = parseXenBackendDevice(device ?? "");
    links.push({
      name,
      ifindex: Number(ifindex),
      mtu: Number(mtu),
      operState: toOperState(attr("operstate")?.toUpperCase(), [
        ...((flags & 0x1) !== 0 ? ["UP"] : []),
        ...(carrier === "1" ? ["LOWER_UP"] : []),
      ]),
      flags: (flags & 0x1) !== 0 ? ["UP"] : [],
      mac: attr("address"),
      master: lastSegment(readLinkOptional(`${dir}/master`)),
      kind: isBridge ? "bridge" : null,
      portState: brportState === null ? null : parseBrportState(brportState),
      bridge: isBridge
        ? { stp: (attr("bridge/stp_state") ?? "0") !== "0", bridgeId: (attr("bridge/bridge_id") ?? "").toLowerCase() }
        : null,
      parentBus: xen ? "xen-backend" : device && !devicePath.includes("/virtual/") ? "device" : null,
      parentDev: xen ? `vif-${xen.domid}-${xen.devid}` : lastSegment(device),
      addresses: [],
    });
  }
  return links;
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "latin1").trim();
  } catch {
    return null;
  }
}

function readLinkOptional(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

function lastSegment(path: string | null): string | null {
  if (!path) return null;
  return path.slice(path.lastIndexOf("/") + 1) || null;
}
