import type { TDomain, THost, TInventory, TVif } from "~/server/host/inventory";
import type { TLink } from "~/server/host/linux/ip-link";
import { buildNetworkView } from "~/server/host/linux/network-reader";
import { parseXenBackendDevice } from "~/server/host/linux/sysfs";
import { shortScriptName } from "~/server/host/xl/network-mode";
import type { TXlDomainConfig, TXlListRow } from "~/server/host/xl/parse-xl";
import type { TBackendVif } from "~/server/host/xl/xenstore";

export type TInventorySources = {
  host: Omit<THost, "driver">;
  list: TXlListRow[];
  /** `xl list -l`; empty when it could not be read (types then default to pv). */
  configs: TXlDomainConfig[];
  /** The backend vifs in xenstore; null when xenstore could not be read (the NICs of `xl list -l` stand in). */
  backendVifs: TBackendVif[] | null;
  links: TLink[];
  /** The host's default vif script, for NICs that name none. */
  defaultScript: string;
};

/**
 * Pure: the inventory from xl's, xenstore's and Linux's views. A vif is listed
 * when its dom0 interface exists; its MAC is the guest's (xenstore / xl), its
 * bridge the one Linux has it on (not the configured one), its state both the
 * backend's (xenstore) and the link's (Linux) — they disagree after a failed
 * hotplug, which is exactly what an admin needs to see.
 */
export function buildInventory(sources: TInventorySources): TInventory {
  const configByDomid = new Map(sources.configs.map((c) => [c.domid, c]));
  const domains: TDomain[] = sources.list.map((row) => ({
    name: row.name,
    domid: row.domid,
    state: row.state,
    type: configByDomid.get(row.domid)?.type ?? "pv",
    memoryMiB: row.memoryMiB,
    vcpus: row.vcpus,
    configFile: null,
  }));
  const domainName = new Map(domains.map((d) => [d.domid, d.name]));
  const linkByName = new Map(sources.links.map((l) => [l.name, l]));
  const linkByBackend = new Map<string, TLink>();
  for (const link of sources.links) {
    const backend = link.parentBus === "xen-backend" ? parseXenBackendDevice(link.parentDev ?? "") : null;
    if (backend) linkByBackend.set(`${backend.domid}/${backend.devid}`, link);
  }
  const bridgeNames = new Set(sources.links.filter((l) => l.bridge !== null).map((l) => l.name));

  const vifs: TVif[] = [];
  for (const backend of backendVifsOf(sources)) {
    const domain = domainName.get(backend.domid);
    if (domain === undefined) continue; // a leftover of a domain that is gone
    const defaultName = `vif${backend.domid}.${backend.devid}`;
    // By the backend device first (a renamed vif still names it), then by name;
    // a failed rename (vifname too long, taken) leaves the default name.
    const link =
      linkByBackend.get(`${backend.domid}/${backend.devid}`) ??
      (backend.vifname ? linkByName.get(backend.vifname) : undefined) ??
      linkByName.get(defaultName);
    if (!link) continue;
    const common = {
      domid: backend.domid,
      domain,
      devid: backend.devid,
      vifname: backend.vifname,
      mac: backend.mac ?? "",
      ips: backend.ips,
      script: shortScriptName(backend.script ?? sources.defaultScript),
      rate: backend.rate,
    };
    vifs.push({ ...common, ...fromLink(link, bridgeNames), kind: "vif", backendState: backend.state });
    // An HVM guest's emulated NIC: a tap named after the vif, `<name>-emu`.
    const emu = linkByName.get(`${link.name}-emu`) ?? linkByName.get(`${defaultName}-emu`);
    if (emu) vifs.push({ ...common, ...fromLink(emu, bridgeNames), kind: "emu", backendState: null });
  }

  const view = buildNetworkView(sources.links, new Set(vifs.map((v) => v.kernelName)));
  return {
    host: { ...sources.host, driver: "xl" },
    domains,
    bridges: view.bridges,
    vifs,
    nics: view.nics,
  };
}

function fromLink(link: TLink, bridgeNames: ReadonlySet<string>) {
  return {
    kernelName: link.name,
    ifindex: link.ifindex,
    bridge: link.master !== null && bridgeNames.has(link.master) ? link.master : null,
    operState: link.operState,
    mtu: link.mtu,
  };
}

function backendVifsOf(sources: TInventorySources): TBackendVif[] {
  if (sources.backendVifs) {
    // xenstore lacks what only xl stored (nothing today) — but keep the guest MAC if xenstore lost it.
    const nicOf = new Map(sources.configs.flatMap((c) => c.nics.map((n) => [`${c.domid}/${n.devid}`, n] as const)));
    return sources.backendVifs
      .filter((v) => v.domid !== 0)
      .map((v) => ({ ...v, mac: v.mac ?? nicOf.get(`${v.domid}/${v.devid}`)?.mac ?? null }));
  }
  return sources.configs
    .filter((c) => c.domid !== 0)
    .flatMap((c) =>
      c.nics.map((nic) => ({
        domid: c.domid,
        devid: nic.devid,
        mac: nic.mac,
        bridge: nic.bridge,
        vifname: nic.vifname,
        ips: nic.ips,
        script: nic.script,
        rate: nic.rate,
        state: null,
        hotplugStatus: null,
      })),
    );
}
