import { commandFailedError, runCommand } from "~/server/host/exec";
import type { TBridge, TBridgePort, TNic } from "~/server/host/inventory";
import { parseBridgeLinkJson, parseIpLinkJson } from "~/server/host/linux/ip-link";
import type { TBridgeLinkPort, TLink } from "~/server/host/linux/ip-link";
import { resolveLinuxPaths } from "~/server/host/linux/paths";
import type { LinuxReaderOptions, TLinuxPaths } from "~/server/host/linux/paths";
import { parseDefaultVifName, parseXenBackendDevice } from "~/server/host/linux/sysfs";

/**
 * The Linux side of the inventory: every interface with its details and
 * addresses, in one netlink snapshot (`ip -j -d addr show`).
 */
export async function readLinks(opts: LinuxReaderOptions = {}): Promise<TLink[]> {
  const paths = resolveLinuxPaths(opts);
  const result = await runIp(paths, paths.ipPath, ["-j", "-d", "addr", "show"]);
  return parseIpLinkJson(result);
}

/** `bridge -j link`: the bridge ports and their STP states, as the bridge tool reports them. */
export async function readBridgePorts(opts: LinuxReaderOptions = {}): Promise<TBridgeLinkPort[]> {
  const paths = resolveLinuxPaths(opts);
  return parseBridgeLinkJson(await runIp(paths, paths.bridgePath, ["-j", "link", "show"]));
}

export type TNetworkView = { links: TLink[]; bridges: TBridge[]; nics: TNic[] };

/** Bridges with their ports and physical NICs, from one read of the links. */
export async function readNetwork(opts: LinuxReaderOptions & { vifNames?: ReadonlySet<string> } = {}): Promise<TNetworkView> {
  return buildNetworkView(await readLinks(opts), opts.vifNames);
}

/**
 * Pure: bridges (with ports, STP states, addresses) and physical NICs from the
 * links. `vifNames` names guest vifs the links alone cannot tell (renamed vifs
 * are recognised by their xen-backend parent already).
 */
export function buildNetworkView(links: TLink[], vifNames: ReadonlySet<string> = new Set()): TNetworkView {
  const bridges: TBridge[] = links
    .filter((link) => link.bridge !== null)
    .map((bridge) => ({
      name: bridge.name,
      ifindex: bridge.ifindex,
      bridgeId: bridge.bridge?.bridgeId ?? "",
      stp: bridge.bridge?.stp ?? false,
      mtu: bridge.mtu,
      operState: bridge.operState,
      addresses: bridge.addresses,
      ports: links
        .filter((port) => port.master === bridge.name && port.portState !== null)
        .map(
          (port): TBridgePort => ({
            name: port.name,
            ifindex: port.ifindex,
            kind: classifyPort(port, vifNames),
            stpState: port.portState ?? "disabled",
            operState: port.operState,
          }),
        ),
    }));
  const bridgeNames = new Set(bridges.map((b) => b.name));
  const nics: TNic[] = links.filter(isPhysicalNic).map((nic) => ({
    name: nic.name,
    ifindex: nic.ifindex,
    mac: nic.mac ?? "",
    mtu: nic.mtu,
    operState: nic.operState,
    master: nic.master !== null && bridgeNames.has(nic.master) ? nic.master : null,
    addresses: nic.addresses,
  }));
  return { links, bridges, nics };
}

/** What sits on a bridge port. */
export function classifyPort(link: TLink, vifNames: ReadonlySet<string> = new Set()): TBridgePort["kind"] {
  if (isPhysicalNic(link)) return "physical";
  const byName = parseDefaultVifName(link.name);
  if (link.name.endsWith("-emu") && (byName?.emu || vifNames.has(link.name.slice(0, -"-emu".length)) || link.kind === "tun")) {
    return "emu";
  }
  const backend = link.parentBus === "xen-backend" ? parseXenBackendDevice(link.parentDev ?? "") : null;
  const domid = backend?.domid ?? byName?.domid;
  if (domid === 0) return "dom0";
  if (domid !== undefined || vifNames.has(link.name)) return "vif";
  return "other";
}

/**
 * A physical NIC: an interface backed by a device that is not a Xen backend
 * (PCI, virtio, USB …) and has no software kind, or a `peth*` (the physical
 * NIC renamed by the old network-bridge script).
 */
export function isPhysicalNic(link: TLink): boolean {
  if (/^peth\d+$/.test(link.name)) return true;
  return link.parentBus !== null && link.parentBus !== "xen-backend" && link.kind === null && link.bridge === null;
}

async function runIp(paths: TLinuxPaths, tool: string, args: string[]): Promise<string> {
  const argv = paths.netns === null ? [tool, ...args] : [tool, "-n", paths.netns, ...args];
  const result = await runCommand(argv, {
    timeoutMs: paths.timeoutMs,
    missingHint: "install iproute2",
    maxOutputBytes: 256 * 1024 * 1024,
  });
  if (result.exitCode !== 0) throw commandFailedError(result);
  return result.stdout;
}
