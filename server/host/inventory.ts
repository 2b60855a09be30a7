import { z } from "zod";

/**
 * What a host driver reports about a Xen host. These schemas are the agent's
 * wire format too (server/agent/protocol.ts), so they are strict: a field the
 * web side does not know is an error, not a silent extra.
 *
 * Directions are the kernel's, as seen from dom0: on a guest's backend vif,
 * `rx` is what the guest sent and `tx` what it received. The accounting layer
 * turns them around ("as seen from the guest").
 */

export const ZNetworkModeSchema = z.enum(["bridge", "route", "nat"]);
export type TNetworkMode = z.infer<typeof ZNetworkModeSchema>;

export const ZDomainStateSchema = z.enum([
  "running",
  "blocked",
  "paused",
  "shutdown",
  "crashed",
  "dying",
  "unknown",
]);
export type TDomainState = z.infer<typeof ZDomainStateSchema>;

export const ZDomainTypeSchema = z.enum(["pv", "pvh", "hvm"]);
export type TDomainType = z.infer<typeof ZDomainTypeSchema>;

export const ZOperStateSchema = z.enum(["up", "down", "unknown"]);
export type TOperState = z.infer<typeof ZOperStateSchema>;

/** STP port states as the kernel names them in sysfs and `bridge -j link`. */
export const ZStpPortStateSchema = z.enum([
  "disabled",
  "listening",
  "learning",
  "forwarding",
  "blocking",
]);
export type TStpPortState = z.infer<typeof ZStpPortStateSchema>;

export const ZHostSchema = z.strictObject({
  hostname: z.string().min(1),
  driver: z.enum(["sim", "xl"]),
  xenVersion: z.string(),
  kernel: z.string(),
  networkMode: ZNetworkModeSchema,
  /** The script xl.conf or xend-config.sxp names, e.g. `vif-bridge`. */
  vifScript: z.string(),
});
export type THost = z.infer<typeof ZHostSchema>;

export const ZDomainSchema = z.strictObject({
  name: z.string().min(1),
  domid: z.number().int().nonnegative(),
  state: ZDomainStateSchema,
  type: ZDomainTypeSchema,
  memoryMiB: z.number().int().nonnegative(),
  vcpus: z.number().int().nonnegative(),
  /** Config file name inside the config directory, when one is known. */
  configFile: z.string().nullable(),
});
export type TDomain = z.infer<typeof ZDomainSchema>;

export const ZRateSchema = z.strictObject({
  bytesPerInterval: z.number().int().nonnegative(),
  intervalUsecs: z.number().int().positive(),
});
export type TRate = z.infer<typeof ZRateSchema>;

export const ZVifSchema = z.strictObject({
  /** The dom0 interface name: `vif<domid>.<devid>`, the vifname, or `…-emu`. */
  kernelName: z.string().min(1),
  ifindex: z.number().int().nonnegative(),
  domid: z.number().int().nonnegative(),
  domain: z.string().min(1),
  devid: z.number().int().nonnegative(),
  /** The `vifname=` the vif was configured with, or null. */
  vifname: z.string().nullable(),
  /** `vif` for the netback device; `emu` for an HVM guest's emulated twin (a tap). */
  kind: z.enum(["vif", "emu"]),
  /** The guest's MAC (from xenstore), not the dom0 side's fe:ff:ff:ff:ff:ff. */
  mac: z.string(),
  ips: z.array(z.string()),
  bridge: z.string().nullable(),
  script: z.string(),
  rate: ZRateSchema.nullable(),
  /** XenBus backend state number (4 = connected); null when unknown. */
  backendState: z.number().int().nullable(),
  operState: ZOperStateSchema,
  mtu: z.number().int().positive(),
});
export type TVif = z.infer<typeof ZVifSchema>;

export const ZBridgePortSchema = z.strictObject({
  name: z.string().min(1),
  ifindex: z.number().int().nonnegative(),
  /** What sits on the port: a physical NIC, a guest vif (or its -emu twin), dom0's own vif0.x, or other. */
  kind: z.enum(["physical", "vif", "emu", "dom0", "other"]),
  stpState: ZStpPortStateSchema,
  operState: ZOperStateSchema,
});
export type TBridgePort = z.infer<typeof ZBridgePortSchema>;

export const ZBridgeSchema = z.strictObject({
  name: z.string().min(1),
  ifindex: z.number().int().nonnegative(),
  /** e.g. `8000.620e025d9c95`, as brctl prints it. */
  bridgeId: z.string(),
  stp: z.boolean(),
  mtu: z.number().int().positive(),
  operState: ZOperStateSchema,
  /** The bridge's own addresses (CIDR); a "brouter" bridge has some. */
  addresses: z.array(z.string()),
  ports: z.array(ZBridgePortSchema),
});
export type TBridge = z.infer<typeof ZBridgeSchema>;

export const ZNicSchema = z.strictObject({
  name: z.string().min(1),
  ifindex: z.number().int().nonnegative(),
  mac: z.string(),
  mtu: z.number().int().positive(),
  operState: ZOperStateSchema,
  /** The bridge this NIC is a port of, or null. */
  master: z.string().nullable(),
  addresses: z.array(z.string()),
});
export type TNic = z.infer<typeof ZNicSchema>;

export const ZInventorySchema = z.strictObject({
  host: ZHostSchema,
  domains: z.array(ZDomainSchema),
  bridges: z.array(ZBridgeSchema),
  vifs: z.array(ZVifSchema),
  nics: z.array(ZNicSchema),
});
export type TInventory = z.infer<typeof ZInventorySchema>;

const ZCounterSchema = z.bigint().nonnegative();

export const ZInterfaceCountersSchema = z.strictObject({
  name: z.string().min(1),
  ifindex: z.number().int().nonnegative(),
  rxBytes: ZCounterSchema,
  txBytes: ZCounterSchema,
  rxPackets: ZCounterSchema,
  txPackets: ZCounterSchema,
  rxErrors: ZCounterSchema,
  txErrors: ZCounterSchema,
  rxDrops: ZCounterSchema,
  txDrops: ZCounterSchema,
});
export type TInterfaceCounters = z.infer<typeof ZInterfaceCountersSchema>;

/** The eight counters of an interface, in the order every list of them uses. */
export const COUNTER_NAMES = [
  "rxBytes",
  "txBytes",
  "rxPackets",
  "txPackets",
  "rxErrors",
  "txErrors",
  "rxDrops",
  "txDrops",
] as const satisfies readonly (keyof TInterfaceCounters)[];

/**
 * The same sample as columns — what the agent sends (server/agent/wire.ts):
 * each interface's name and ifindex, and its eight counters in COUNTER_NAMES
 * order in one flat array, each a number while it is a safe integer (below
 * 2^53) and a decimal string beyond. A driver that reads counters as text can
 * produce it without a bigint per counter.
 */
export type TCounterColumns = { at: number; names: string[]; ifindex: number[]; values: Array<number | string> };

/** Columns back to one object per interface with bigint counters (the collector's hot path: a tick's 2,000 interfaces). */
export function countersOfColumns(columns: TCounterColumns): TCounters {
  const { names, ifindex, values } = columns;
  const interfaces = new Array<TInterfaceCounters>(names.length);
  // One loop without a closure per interface: this runs on every collector tick, for every interface.
  for (let i = 0, base = 0; i < names.length; i++, base += COUNTER_NAMES.length) {
    interfaces[i] = {
      name: names[i] as string,
      ifindex: ifindex[i] as number,
      rxBytes: counterAt(values, base),
      txBytes: counterAt(values, base + 1),
      rxPackets: counterAt(values, base + 2),
      txPackets: counterAt(values, base + 3),
      rxErrors: counterAt(values, base + 4),
      txErrors: counterAt(values, base + 5),
      rxDrops: counterAt(values, base + 6),
      txDrops: counterAt(values, base + 7),
    };
  }
  return { at: columns.at, interfaces };
}

/** A column value as a bigint (most error and drop counters are 0: no BigInt() for them). */
function counterAt(values: TCounterColumns["values"], index: number): bigint {
  const value = values[index] as number | string;
  return value === 0 ? 0n : BigInt(value);
}

export const ZCountersSchema = z.strictObject({
  /** When the counters were read, in ms since the epoch. */
  at: z.number().int().nonnegative(),
  interfaces: z.array(ZInterfaceCountersSchema),
});
export type TCounters = z.infer<typeof ZCountersSchema>;
