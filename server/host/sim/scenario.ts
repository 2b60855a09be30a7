import type { TDomainType, TNetworkMode, TRate } from "~/server/host/inventory";

import { createRandom, type Random } from "./random";

/**
 * The simulated host's layout: which domains exist and how their vifs are
 * configured. It is generated from a seed, so the demo and the tests see the
 * same host every time.
 */
export type SimVifSpec = {
  devid: number;
  mac: string;
  bridge: string | null;
  ips: string[];
  vifname: string | null;
  rate: TRate | null;
  /** Mean traffic in bytes per second, as seen from dom0: rx = sent by the guest. */
  rxBytesPerSec: number;
  txBytesPerSec: number;
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

export type SimScenario = {
  hostname: string;
  mode: TNetworkMode;
  bridges: SimBridgeSpec[];
  domains: SimDomainSpec[];
};

export type ScenarioOptions = {
  seed: number;
  domains: number;
  mode: TNetworkMode;
};

const HAND_MADE: ReadonlyArray<{
  name: string;
  type: TDomainType;
  vifs: ReadonlyArray<{ vifname: string | null; bridge: "xenbr0" | "xenbr1"; rate?: TRate; counterBits?: 32 }>;
}> = [
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
      { vifname: null, bridge: "xenbr0", counterBits: 32 },
      { vifname: "build-int", bridge: "xenbr1" },
      { vifname: null, bridge: "xenbr1" },
    ],
  },
  { name: "dns", type: "pv", vifs: [{ vifname: null, bridge: "xenbr0" }] },
];

export function createScenario(options: ScenarioOptions): SimScenario {
  const random = createRandom(options.seed);
  const macs = new Set<string>();
  const nextMac = () => generateXenMac(random, macs);
  const bridged = options.mode === "bridge";
  let publicHost = 20;
  let internalHost = 10;

  const domains: SimDomainSpec[] = [];
  for (let i = 0; i < options.domains; i++) {
    const template = HAND_MADE[i];
    const name = template?.name ?? `guest${String(i + 1).padStart(4, "0")}`;
    const type = template?.type ?? random.pick(["pv", "pv", "pvh", "hvm"] as const);
    const vifTemplates =
      template?.vifs ??
      Array.from({ length: random.int(1, 3) }, (_, devid) => ({
        vifname: devid === 0 && random.next() < 0.4 ? `g${i + 1}` : null,
        bridge: devid === 0 ? ("xenbr0" as const) : random.pick(["xenbr0", "xenbr1"] as const),
      }));
    const vifs = vifTemplates.map((vif, devid): SimVifSpec => {
      const internal = vif.bridge === "xenbr1";
      const ip = internal ? addressIn("192.168.100", internalHost++) : addressIn("10.0.2", publicHost++);
      const heavy = random.next() < 0.2;
      return {
        devid,
        mac: nextMac(),
        bridge: bridged ? vif.bridge : null,
        ips: [ip],
        vifname: vif.vifname,
        rate: "rate" in vif && vif.rate ? vif.rate : null,
        rxBytesPerSec: Math.round((heavy ? 400_000 : 20_000) * (0.3 + random.next())),
        txBytesPerSec: Math.round((heavy ? 2_000_000 : 60_000) * (0.3 + random.next())),
        counterBits: "counterBits" in vif && vif.counterBits === 32 ? 32 : 64,
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

  const bridges: SimBridgeSpec[] = bridged
    ? [
        { name: "xenbr0", physical: "peth0", addresses: [], stp: false },
        // An internal bridge with its own address and route and no physical port: a "brouter".
        { name: "xenbr1", physical: null, addresses: ["192.168.100.1/24"], stp: true },
      ]
    : [];
  return { hostname: "xenhost-sim", mode: options.mode, bridges, domains };
}

/** 00:16:3e plus three random bytes, the top bit of the fourth clear, as libxl does; unique in `taken`. */
function generateXenMac(random: Random, taken: Set<string>): string {
  for (;;) {
    const bytes = [0x00, 0x16, 0x3e, random.int(0, 0x7f), random.int(0, 0xff), random.int(0, 0xff)];
    const mac = bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
    if (!taken.has(mac)) {
      taken.add(mac);
      return mac;
    }
  }
}

function addressIn(prefix: string, host: number): string {
  // Spread large scenarios over the third octet so addresses stay valid.
  const [a, b, c] = prefix.split(".").map(Number) as [number, number, number];
  const offset = Math.floor(host / 250);
  return `${a}.${b}.${c + offset}.${(host % 250) + 2}`;
}
