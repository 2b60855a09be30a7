import type { TDomainType, TNetworkMode, TRate } from "~/server/host/inventory";
import { generateXenMac } from "~/server/xen";

import { createRandom, type Random } from "./random";

/**
 * The simulated host's layout: which domains exist and how their vifs are
 * configured, in one of the chapter's networking modes. It is generated from a
 * seed, so the demo and the tests see the same host every time.
 */
export type SimTraffic = {
  /** Mean traffic in bytes per second, as seen from dom0: rx = sent by the guest. */
  rxBytesPerSec: number;
  txBytesPerSec: number;
  /** Chance that a 10 s epoch is a burst, and the burst's multiplier of the mean. */
  burstChance: number;
  burstFactor: number;
};

export type SimVifSpec = SimTraffic & {
  devid: number;
  mac: string;
  /** null in route and nat mode (the vif is routed, on no bridge). */
  bridge: string | null;
  ips: string[];
  vifname: string | null;
  rate: TRate | null;
  /** 32 for an interface whose counters wrap at 2^32 (old drivers); 64 otherwise. */
  counterBits: 32 | 64;
};

export type SimDomainSpec = {
  name: string;
  type: TDomainType;
  memoryMiB: number;
  vcpus: number;
  vifs: SimVifSpec[];
};

export type SimBridgeSpec = {
  name: string;
  /** The physical NIC on the bridge (network-bridge's `peth0`), or null for an internal bridge. */
  physical: string | null;
  /** The bridge's own addresses: a bridge with an address and no physical port is a "brouter". */
  addresses: string[];
  stp: boolean;
};

/** A NIC of dom0 that is on no bridge (route, nat and brouter hosts): its addresses. */
export type SimNicSpec = { name: string; addresses: string[] };

export type SimScenario = {
  hostname: string;
  mode: TNetworkMode;
  /** The vif script xl.conf names (`vif.default.script`): vif-bridge, vif-route or vif-nat. */
  vifScript: string;
  /** `vif.default.bridge`: the bridge a vif without bridge= joins. */
  defaultBridge: string;
  bridges: SimBridgeSpec[];
  /** dom0's own NICs that are no bridge port (the uplink in route, nat and brouter hosts). */
  nics: SimNicSpec[];
  /** nat mode: dom0 masquerades what the guests send out through this NIC (network-nat's rule). */
  masqueradeVia: string | null;
  /** Host interfaces (by kernel name) whose counters are 32-bit. */
  hostCounters32: string[];
  domains: SimDomainSpec[];
};

export type ScenarioOptions = {
  seed: number;
  /** 1 to 1,000 domains; the first six are the hand-made demo guests (web1, db1, mail, win2k19, build, dns). */
  domains: number;
  mode: TNetworkMode;
  /**
   * Bridge mode only: the guests' bridge xenbr0 has its own IP and route and no
   * physical port (the chapter's "brouter", network-virtual + vif-bridge); dom0
   * routes between it and eth0.
   */
  brouter?: boolean;
  /** vifs of each generated guest (the hand-made ones keep theirs): a number or a range, 1 to 8. Default 1–3. */
  vifsPerDomain?: number | { min: number; max: number };
  /** Mean traffic per vif, and bursts. Defaults: 20 kB/s up, 60 kB/s down, one vif in five ×20; bursts 5% of epochs ×4. */
  traffic?: Partial<SimTraffic> & { heavyShare?: number; heavyFactor?: number };
  /**
   * Interfaces with 32-bit counters: stable keys of guest vifs (`<domain>/<devid>`)
   * and host interfaces by name (`peth0`). Default `["build/0"]`.
   */
  counters32?: string[];
  /** Share of the other guest vifs that get 32-bit counters too (chosen from the seed). Default 0. */
  counters32Share?: number;
};

export const MAX_SIM_DOMAINS = 1000;
export const MAX_SIM_VIFS_PER_DOMAIN = 8;

type HandMadeVif = { vifname: string | null; bridge: "xenbr0" | "xenbr1"; rate?: TRate };

const HAND_MADE: ReadonlyArray<{ name: string; type: TDomainType; vifs: readonly HandMadeVif[] }> = [
  { name: "web1", type: "pv", vifs: [{ vifname: "web1", bridge: "xenbr0" }] },
  { name: "db1", type: "pv", vifs: [{ vifname: null, bridge: "xenbr0" }, { vifname: null, bridge: "xenbr1" }] },
  {
    name: "mail",
    type: "pvh",
    vifs: [{ vifname: "mail", bridge: "xenbr0", rate: { bytesPerInterval: 62_500, intervalUsecs: 50_000 } }],
  },
  {
    name: "win2k19",
    type: "hvm",
    vifs: [{ vifname: "winfront", bridge: "xenbr0" }, { vifname: null, bridge: "xenbr1" }],
  },
  {
    name: "build",
    type: "pv",
    vifs: [
      { vifname: null, bridge: "xenbr0" },
      { vifname: "build-int", bridge: "xenbr1" },
      { vifname: null, bridge: "xenbr1" },
    ],
  },
  { name: "dns", type: "pv", vifs: [{ vifname: null, bridge: "xenbr0" }] },
];

const SCRIPTS: Record<TNetworkMode, string> = { bridge: "vif-bridge", route: "vif-route", nat: "vif-nat" };

export function createScenario(options: ScenarioOptions): SimScenario {
  checkOptions(options);
  const random = createRandom(options.seed);
  const macs = new Set<string>();
  const nextMac = () => drawMac(random, macs);
  const bridged = options.mode === "bridge";
  const brouter = bridged && options.brouter === true;
  const traffic = {
    rxBytesPerSec: options.traffic?.rxBytesPerSec ?? 20_000,
    txBytesPerSec: options.traffic?.txBytesPerSec ?? 60_000,
    burstChance: options.traffic?.burstChance ?? 0.05,
    burstFactor: options.traffic?.burstFactor ?? 4,
    heavyShare: options.traffic?.heavyShare ?? 0.2,
    heavyFactor: options.traffic?.heavyFactor ?? 20,
  };
  const counters32 = new Set(options.counters32 ?? ["build/0"]);
  const counters32Share = options.counters32Share ?? 0;
  const range = typeof options.vifsPerDomain === "number" ? { min: options.vifsPerDomain, max: options.vifsPerDomain } : (options.vifsPerDomain ?? { min: 1, max: 3 });
  // Guest addresses: the public LAN (bridge, route, brouter) or the NAT's private range.
  const publicNet = options.mode === "nat" ? "10.0.0" : "10.0.2";
  let publicHost = 20;
  let internalHost = 10;

  const domains: SimDomainSpec[] = [];
  for (let i = 0; i < options.domains; i++) {
    const template = HAND_MADE[i];
    const name = template?.name ?? `guest${String(i + 1).padStart(4, "0")}`;
    const type = template?.type ?? random.pick(["pv", "pv", "pvh", "hvm"] as const);
    const vifTemplates: readonly HandMadeVif[] =
      template?.vifs ??
      Array.from({ length: random.int(range.min, range.max) }, (_, devid) => ({
        vifname: devid === 0 && random.next() < 0.4 ? `g${i + 1}` : null,
        bridge: devid === 0 ? ("xenbr0" as const) : random.pick(["xenbr0", "xenbr1"] as const),
      }));
    const vifs = vifTemplates.map((vif, devid): SimVifSpec => {
      const internal = vif.bridge === "xenbr1" && bridged;
      const ip = internal ? addressIn("192.168.100", internalHost++) : addressIn(publicNet, publicHost++);
      const heavy = random.next() < traffic.heavyShare;
      const factor = heavy ? traffic.heavyFactor : 1;
      const key = `${name}/${devid}`;
      const narrow = counters32.has(key) || (counters32Share > 0 && random.next() < counters32Share);
      return {
        devid,
        mac: nextMac(),
        bridge: bridged ? vif.bridge : null,
        ips: [ip],
        vifname: vif.vifname,
        rate: vif.rate ?? null,
        rxBytesPerSec: Math.round(traffic.rxBytesPerSec * factor * (0.3 + random.next())),
        txBytesPerSec: Math.round(traffic.txBytesPerSec * factor * (0.3 + random.next())),
        burstChance: traffic.burstChance,
        burstFactor: traffic.burstFactor,
        counterBits: narrow ? 32 : 64,
      };
    });
    domains.push({
      name,
      type,
      memoryMiB: random.pick([512, 1024, 2048, 4096]),
      vcpus: random.int(1, 4),
      vifs,
    });
  }

  const internalBridge: SimBridgeSpec = { name: "xenbr1", physical: null, addresses: ["192.168.100.1/24"], stp: true };
  let bridges: SimBridgeSpec[] = [];
  let nics: SimNicSpec[] = [];
  if (brouter) {
    // network-virtual: xenbr0 has the guests' gateway address and a route, no physical port; eth0 is the uplink.
    bridges = [{ name: "xenbr0", physical: null, addresses: ["10.0.2.1/24"], stp: false }, internalBridge];
    nics = [{ name: "eth0", addresses: ["192.0.2.10/24"] }];
  } else if (bridged) {
    // network-bridge (old style): eth0 renamed peth0 and enslaved to xenbr0 with dom0's vif0.0.
    // xenbr1 has an address and no physical port: a brouter for the internal network.
    bridges = [{ name: "xenbr0", physical: "peth0", addresses: [], stp: false }, internalBridge];
  } else if (options.mode === "route") {
    // network-route: no bridge; vif-route gives each vif dom0's address, a host route per ip= and FORWARD rules.
    nics = [{ name: "eth0", addresses: ["10.0.2.1/24"] }];
  } else {
    // network-nat: route plus masquerading out of eth0; the guests live in 10.0.0.0/16 behind dom0.
    nics = [{ name: "eth0", addresses: ["192.0.2.10/24"] }];
  }
  return {
    hostname: "xenhost-sim",
    mode: options.mode,
    vifScript: SCRIPTS[options.mode],
    defaultBridge: "xenbr0",
    bridges,
    nics,
    masqueradeVia: options.mode === "nat" ? "eth0" : null,
    hostCounters32: [...counters32].filter((key) => !key.includes("/")),
    domains,
  };
}

function checkOptions(options: ScenarioOptions): void {
  if (!Number.isInteger(options.domains) || options.domains < 1 || options.domains > MAX_SIM_DOMAINS) {
    throw new RangeError(`the simulated host has 1 to ${MAX_SIM_DOMAINS} domains, not ${options.domains}`);
  }
  const range = options.vifsPerDomain;
  const [min, max] = typeof range === "number" ? [range, range] : range ? [range.min, range.max] : [1, 3];
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min || max > MAX_SIM_VIFS_PER_DOMAIN) {
    throw new RangeError(`vifs per domain: 0 to ${MAX_SIM_VIFS_PER_DOMAIN}, min ≤ max`);
  }
  if (options.brouter && options.mode !== "bridge") throw new RangeError("a brouter is a bridge: use it with mode bridge");
}

/** A MAC as libxl makes them (server/xen's generator), drawn from the scenario's seed; unique in `taken`. */
export function drawMac(random: Random, taken: Set<string>): string {
  const bytes = createSeededBytes(random);
  for (let attempt = 0; attempt < 1000; attempt++) {
    // The taken set is checked here, not handed to generateXenMac, which would copy it at every draw.
    const mac = generateXenMac([], bytes);
    if (mac !== null && !taken.has(mac)) {
      taken.add(mac);
      return mac;
    }
  }
  throw new Error("no free MAC left in 00:16:3e");
}

/** Random bytes from a seeded Random, for server/xen's MAC generator. */
export function createSeededBytes(random: Random): (count: number) => Uint8Array {
  return (count) => Uint8Array.from({ length: count }, () => random.int(0, 255));
}

function addressIn(prefix: string, host: number): string {
  // Spread large scenarios over the third octet so addresses stay valid.
  const [a, b, c] = prefix.split(".").map(Number) as [number, number, number];
  const offset = Math.floor(host / 250);
  return `${a}.${b}.${c + offset}.${(host % 250) + 2}`;
}
