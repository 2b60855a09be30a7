import { COUNTER_NAMES, type TInterfaceCounters, type TInventory, type TVif } from "~/server/host/inventory";

/**
 * Stable identity (DESIGN.md, "Stable names and the counter store").
 *
 * - A guest vif is keyed by its `vifname` if it has one, else by
 *   `<domain name>/<devid>`. An HVM guest's emulated twin (`…-emu`, a tap)
 *   counts under the same key as its vif. The MAC is an attribute.
 * - Every other interface (bridges, `peth*`, `vif0.*`, `tap*`, physical NICs,
 *   anything else) is keyed by its kernel name. `lo` is not accounted.
 * - A `<domain>/<devid>` key contains a `/`, which no kernel name can, so a
 *   guest key without vifname never collides with a host interface's key.
 *
 * ## Direction: `in` and `out`, one convention for the whole store
 *
 * The kernel counts from dom0's side: on a guest's backend vif, `rx` is what
 * the guest SENT. Stored figures are turned to the key's own point of view:
 *
 *   guest key (vif, -emu):  in = received by the guest = kernel tx
 *                           out = sent by the guest    = kernel rx
 *   host key (bridge, NIC…): in = kernel rx,  out = kernel tx
 *
 * So `in` is always "into the thing the key names" and `out` "out of it";
 * for a guest that is the ISP's view of a customer (in = download), which is
 * also what burstable billing calls in and out. Raw counters persisted as
 * collector state keep the kernel's names (`rawRxBytes`, …) and direction.
 */

export type KeyKind = "guest" | "host";

/** What a host key is: used for host totals (a bridge is never added to its own ports). */
export type KeyCategory = "guest" | "bridge" | "physical" | "dom0" | "tap" | "other";

/** One kernel interface resolved to its stable key, with the attributes recorded for its incarnation. */
export type MappedInterface = {
  key: string;
  kind: KeyKind;
  category: KeyCategory;
  /** Guest keys only. */
  domain: string | null;
  devid: number | null;
  vifname: string | null;
  /** The guest's domid for a guest interface; null for host interfaces. */
  domid: number | null;
  mac: string | null;
  bridge: string | null;
};

/** The stable key of a guest vif or of its `-emu` twin. */
export function stableKeyOf(vif: Pick<TVif, "vifname" | "domain" | "devid">): string {
  return vif.vifname ?? `${vif.domain}/${vif.devid}`;
}

/** Interfaces that are never accounted. */
export function isIgnoredInterface(name: string): boolean {
  return name === "lo";
}

/**
 * Kernel names that belong to a guest (`vif<domid>.<devid>`, `…-emu`): when
 * one shows up that the inventory does not know yet, the collector leaves it
 * unaccounted until the inventory knows it, rather than key it by its kernel
 * name. Nothing is lost: its first accounted sample counts from its own counters.
 */
export function looksLikeGuestInterface(name: string): boolean {
  return /^vif[1-9]\d*\.\d+(-emu)?$/.test(name) || name.endsWith("-emu");
}

/** The key of a host interface (bridge, NIC, vif0.*, tap*, other), keyed by kernel name. */
function mapHostInterface(name: string, inventory: TInventory): MappedInterface {
  const bridge = inventory.bridges.find((b) => b.name === name);
  const nic = inventory.nics.find((n) => n.name === name);
  const port = inventory.bridges.flatMap((b) => b.ports.map((p) => ({ bridge: b.name, port: p }))).find((p) => p.port.name === name);
  let category: KeyCategory = "other";
  if (bridge) category = "bridge";
  else if (nic || port?.port.kind === "physical" || /^peth\d/.test(name)) category = "physical";
  else if (/^vif0\.\d+$/.test(name) || port?.port.kind === "dom0") category = "dom0";
  else if (/^tap/.test(name)) category = "tap";
  return {
    key: name,
    kind: "host",
    category,
    domain: null,
    devid: null,
    vifname: null,
    domid: null,
    mac: nic?.mac ?? null,
    bridge: port?.bridge ?? nic?.master ?? null,
  };
}

/** The mapping of a guest vif (or its -emu twin) as the inventory reports it. */
export function mapGuestVif(vif: TVif): MappedInterface {
  return {
    key: stableKeyOf(vif),
    kind: "guest",
    category: "guest",
    domain: vif.domain,
    devid: vif.devid,
    vifname: vif.vifname,
    domid: vif.domid,
    mac: vif.mac,
    bridge: vif.bridge,
  };
}

/**
 * Maps every interface the counters name to its stable key, from an
 * inventory. Interfaces that look like a guest's but are not in the inventory
 * are left out (see looksLikeGuestInterface); so is `lo`.
 */
export function mapInterfaces(inventory: TInventory, names: Iterable<string>): Map<string, MappedInterface> {
  const guests = new Map(inventory.vifs.map((vif) => [vif.kernelName, vif]));
  const mapping = new Map<string, MappedInterface>();
  for (const name of names) {
    if (isIgnoredInterface(name)) continue;
    const vif = guests.get(name);
    if (vif) mapping.set(name, mapGuestVif(vif));
    else if (!looksLikeGuestInterface(name)) mapping.set(name, mapHostInterface(name, inventory));
  }
  return mapping;
}

/** The eight kernel counters of one interface (dom0's view). */
export type RawCounters = Omit<TInterfaceCounters, "name" | "ifindex">;

/** Eight counters in the key's own direction (see the convention above). */
export type KeyCounters = {
  inBytes: bigint;
  outBytes: bigint;
  inPackets: bigint;
  outPackets: bigint;
  inErrors: bigint;
  outErrors: bigint;
  inDrops: bigint;
  outDrops: bigint;
};

/** The kernel's eight counters (server/host/inventory.ts holds the list). */
export const RAW_COUNTER_NAMES = COUNTER_NAMES;

export const KEY_COUNTER_NAMES = [
  "inBytes",
  "outBytes",
  "inPackets",
  "outPackets",
  "inErrors",
  "outErrors",
  "inDrops",
  "outDrops",
] as const satisfies ReadonlyArray<keyof KeyCounters>;

export function zeroKeyCounters(): KeyCounters {
  return { inBytes: 0n, outBytes: 0n, inPackets: 0n, outPackets: 0n, inErrors: 0n, outErrors: 0n, inDrops: 0n, outDrops: 0n };
}

export function zeroRawCounters(): RawCounters {
  return { rxBytes: 0n, txBytes: 0n, rxPackets: 0n, txPackets: 0n, rxErrors: 0n, txErrors: 0n, rxDrops: 0n, txDrops: 0n };
}

/** Turns kernel (dom0) counters into the key's direction: swapped for guests, as-is for host interfaces. */
export function toKeyDirection(raw: RawCounters, kind: KeyKind): KeyCounters {
  if (kind === "guest") {
    return {
      inBytes: raw.txBytes,
      outBytes: raw.rxBytes,
      inPackets: raw.txPackets,
      outPackets: raw.rxPackets,
      inErrors: raw.txErrors,
      outErrors: raw.rxErrors,
      inDrops: raw.txDrops,
      outDrops: raw.rxDrops,
    };
  }
  return {
    inBytes: raw.rxBytes,
    outBytes: raw.txBytes,
    inPackets: raw.rxPackets,
    outPackets: raw.txPackets,
    inErrors: raw.rxErrors,
    outErrors: raw.txErrors,
    inDrops: raw.rxDrops,
    outDrops: raw.txDrops,
  };
}

export function addKeyCounters(into: KeyCounters, add: KeyCounters): void {
  for (const name of KEY_COUNTER_NAMES) into[name] += add[name];
}

export function isZeroKeyCounters(counters: KeyCounters): boolean {
  return KEY_COUNTER_NAMES.every((name) => counters[name] === 0n);
}
