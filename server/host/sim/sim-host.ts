import type {
  TBridge,
  TCounters,
  TDomain,
  TInterfaceCounters,
  TInventory,
  TNic,
  TVif,
} from "~/server/host/inventory";

import { createRandom, hashString } from "./random";
import type { SimDomainSpec, SimScenario, SimVifSpec } from "./scenario";

/**
 * A simulated Xen host: domains that boot, reboot with a new domid, shut down;
 * vifs on bridges (or routed); traffic that makes counters grow. Everything is
 * a function of the seed and of the clock, so two hosts with the same seed
 * that see the same calls at the same times report the same numbers.
 *
 * Like a real dom0, a domain's backend interfaces are new kernel interfaces
 * at every boot: a new ifindex, counters from zero, and without a vifname a
 * new name `vif<domid>.<devid>`.
 */

/** Traffic is constant within an epoch and changes between epochs. */
const EPOCH_MS = 10_000;
/** An HVM guest talks through its emulated NIC until its PV drivers load. */
const HVM_PV_DRIVERS_AFTER_MS = 30_000;
const COUNTER_MASK_32 = (1n << 32n) - 1n;

type SimInterface = {
  name: string;
  ifindex: number;
  kind: "physical" | "bridge" | "dom0" | "vif" | "emu";
  bits: 32 | 64;
  rxBytes: bigint;
  txBytes: bigint;
  rxPackets: bigint;
  txPackets: bigint;
  rxDrops: bigint;
  txDrops: bigint;
  operState: "up" | "down";
};

type RunningDomain = {
  spec: SimDomainSpec;
  domid: number;
  bootedAt: number;
  /** Per devid: the backend vif and, for HVM guests, its emulated twin. */
  vifs: Map<number, { vif: SimInterface; emu: SimInterface | null; spec: SimVifSpec }>;
};

export type SimEvent = { at: number; kind: "boot" | "reboot" | "shutdown" | "destroy"; domain: string; domid: number };

/** Exact bytes each guest interface moved, by `<domain>/<devid>`, as seen from dom0. */
export type SimGroundTruth = Map<string, { rxBytes: bigint; txBytes: bigint; rxPackets: bigint; txPackets: bigint }>;

export type SimHostOptions = {
  scenario: SimScenario;
  seed: number;
  /** Reboot a random guest now and then, as a busy host would (off in tests that script events). */
  randomEvents: boolean;
  now?: () => number;
};

export class SimHost {
  readonly scenario: SimScenario;
  private readonly seed: number;
  private readonly now: () => number;
  private readonly randomEvents: boolean;
  private nextDomid = 1;
  private nextIfindex = 1;
  private lastAdvance: number;
  private nextEventAt: number;
  private readonly eventRandom;
  private readonly running = new Map<string, RunningDomain>();
  private readonly hostInterfaces: SimInterface[] = [];
  private readonly truth: SimGroundTruth = new Map();
  readonly events: SimEvent[] = [];

  constructor(options: SimHostOptions) {
    this.scenario = options.scenario;
    this.seed = options.seed;
    this.now = options.now ?? Date.now;
    this.randomEvents = options.randomEvents;
    this.eventRandom = createRandom(options.seed ^ 0x5eed);
    this.lastAdvance = this.now();
    this.nextEventAt = this.lastAdvance + this.eventRandom.int(60_000, 180_000);

    this.newInterface("lo", "physical");
    for (const bridge of this.scenario.bridges) {
      if (bridge.physical) this.newInterface(bridge.physical, "physical");
    }
    for (const bridge of this.scenario.bridges) this.newInterface(bridge.name, "bridge");
    if (this.scenario.mode === "bridge") this.newInterface("vif0.0", "dom0");
    else this.newInterface("eth0", "physical");
    this.nextDomid = 1;
    for (const spec of this.scenario.domains) this.boot(spec.name);
  }

  /** Starts a domain that is not running: a new domid and new backend interfaces. */
  boot(name: string): number {
    this.advance();
    const spec = this.scenario.domains.find((d) => d.name === name);
    if (!spec) throw new Error(`${name} is an invalid domain identifier (rc=-6)`);
    if (this.running.has(name)) throw new Error(`Domain with name ${name} already exists.`);
    return this.bootAt(spec);
  }

  /** `xl reboot`: the domain comes back at once with a new domid. */
  reboot(name: string): number {
    const domain = this.requireRunning(name);
    this.advance();
    this.remove(domain);
    this.events.push({ at: this.now(), kind: "reboot", domain: name, domid: domain.domid });
    return this.boot(name);
  }

  shutdown(name: string): void {
    const domain = this.requireRunning(name);
    this.advance();
    this.remove(domain);
    this.events.push({ at: this.now(), kind: "shutdown", domain: name, domid: domain.domid });
  }

  destroy(name: string): void {
    const domain = this.requireRunning(name);
    this.advance();
    this.remove(domain);
    this.events.push({ at: this.now(), kind: "destroy", domain: name, domid: domain.domid });
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  readInventory(): TInventory {
    this.advance();
    const domains: TDomain[] = [
      {
        name: "Domain-0",
        domid: 0,
        state: "running",
        type: "pv",
        memoryMiB: 1024,
        vcpus: 2,
        configFile: null,
      },
    ];
    const vifs: TVif[] = [];
    for (const spec of this.scenario.domains) {
      const domain = this.running.get(spec.name);
      if (!domain) continue;
      domains.push({
        name: spec.name,
        domid: domain.domid,
        state: this.isBusy(domain) ? "running" : "blocked",
        type: spec.type,
        memoryMiB: spec.memoryMiB,
        vcpus: spec.vcpus,
        configFile: `${spec.name}.cfg`,
      });
      for (const { vif, emu, spec: vifSpec } of domain.vifs.values()) {
        for (const iface of emu ? [vif, emu] : [vif]) {
          vifs.push({
            kernelName: iface.name,
            ifindex: iface.ifindex,
            domid: domain.domid,
            domain: spec.name,
            devid: vifSpec.devid,
            vifname: vifSpec.vifname,
            kind: iface.kind === "emu" ? "emu" : "vif",
            mac: vifSpec.mac,
            ips: vifSpec.ips,
            bridge: vifSpec.bridge,
            script: this.scenario.mode === "bridge" ? "vif-bridge" : this.scenario.mode === "route" ? "vif-route" : "vif-nat",
            rate: vifSpec.rate,
            backendState: iface.kind === "emu" ? null : 4,
            operState: iface.operState,
            mtu: 1500,
          });
        }
      }
    }

    const byName = new Map(this.allInterfaces().map((i) => [i.name, i]));
    const bridges: TBridge[] = this.scenario.bridges.map((bridge) => {
      const iface = byName.get(bridge.name);
      if (!iface) throw new Error(`bridge ${bridge.name} has no interface`);
      const ports: TBridge["ports"] = [];
      if (bridge.physical) {
        const phys = byName.get(bridge.physical);
        if (phys) ports.push({ name: phys.name, ifindex: phys.ifindex, kind: "physical", stpState: "forwarding", operState: "up" });
      }
      if (bridge.name === "xenbr0" && byName.has("vif0.0")) {
        const dom0 = byName.get("vif0.0") as SimInterface;
        ports.push({ name: dom0.name, ifindex: dom0.ifindex, kind: "dom0", stpState: "forwarding", operState: "up" });
      }
      for (const vif of vifs) {
        if (vif.bridge !== bridge.name) continue;
        ports.push({
          name: vif.kernelName,
          ifindex: vif.ifindex,
          kind: vif.kind,
          stpState: vif.operState === "up" ? "forwarding" : "disabled",
          operState: vif.operState,
        });
      }
      return {
        name: bridge.name,
        ifindex: iface.ifindex,
        bridgeId: `8000.${bridgeMac(bridge.name, this.seed).replaceAll(":", "")}`,
        stp: bridge.stp,
        mtu: 1500,
        operState: "up",
        addresses: bridge.addresses,
        ports,
      };
    });

    const nics: TNic[] = this.hostInterfaces
      .filter((i) => i.kind === "physical" && i.name !== "lo")
      .map((i) => ({
        name: i.name,
        ifindex: i.ifindex,
        mac: i.name.startsWith("peth") ? "fe:ff:ff:ff:ff:ff" : bridgeMac(i.name, this.seed),
        mtu: 1500,
        operState: "up",
        master: this.scenario.bridges.find((b) => b.physical === i.name)?.name ?? null,
        addresses: i.name === "eth0" ? ["10.0.2.1/24"] : [],
      }));

    return {
      host: {
        hostname: this.scenario.hostname,
        driver: "sim",
        xenVersion: "4.17.7",
        kernel: "6.1.0-sim",
        networkMode: this.scenario.mode,
        vifScript: this.scenario.mode === "bridge" ? "vif-bridge" : this.scenario.mode === "route" ? "vif-route" : "vif-nat",
      },
      domains,
      bridges,
      vifs,
      nics,
    };
  }

  readCounters(): TCounters {
    const at = this.advance();
    const interfaces: TInterfaceCounters[] = this.allInterfaces().map((i) => {
      const wrap = (value: bigint) => (i.bits === 32 ? value & COUNTER_MASK_32 : value);
      return {
        name: i.name,
        ifindex: i.ifindex,
        rxBytes: wrap(i.rxBytes),
        txBytes: wrap(i.txBytes),
        rxPackets: wrap(i.rxPackets),
        txPackets: wrap(i.txPackets),
        rxErrors: 0n,
        txErrors: 0n,
        rxDrops: wrap(i.rxDrops),
        txDrops: wrap(i.txDrops),
      };
    });
    return { at, interfaces };
  }

  /** What every guest interface really moved, across all its incarnations: the tests' ground truth. */
  readGroundTruth(): SimGroundTruth {
    this.advance();
    return new Map([...this.truth].map(([key, value]) => [key, { ...value }]));
  }

  /** Moves the simulation forward to the clock's time; returns that time. */
  advance(): number {
    const target = this.now();
    while (this.lastAdvance < target) {
      const epoch = Math.floor(this.lastAdvance / EPOCH_MS);
      const until = Math.min(target, (epoch + 1) * EPOCH_MS, this.randomEvents ? this.nextEventAt : Infinity);
      this.addTraffic(epoch, this.lastAdvance, until);
      this.lastAdvance = until;
      if (this.randomEvents && this.lastAdvance >= this.nextEventAt) this.fireRandomEvent();
    }
    return target;
  }

  private addTraffic(epoch: number, from: number, until: number): void {
    const seconds = (until - from) / 1000;
    if (seconds <= 0) return;
    let physRx = 0n;
    let physTx = 0n;
    for (const domain of this.running.values()) {
      for (const { vif, emu, spec } of domain.vifs.values()) {
        const carrier = emu && until - domain.bootedAt < HVM_PV_DRIVERS_AFTER_MS ? emu : vif;
        const factor = trafficFactor(this.seed, domain.spec.name, spec.devid, epoch);
        const rx = BigInt(Math.floor(spec.rxBytesPerSec * factor * seconds));
        const tx = BigInt(Math.floor(spec.txBytesPerSec * factor * seconds));
        if (rx === 0n && tx === 0n) continue;
        const rxPackets = rx / 800n + (rx > 0n ? 1n : 0n);
        const txPackets = tx / 1200n + (tx > 0n ? 1n : 0n);
        carrier.rxBytes += rx;
        carrier.txBytes += tx;
        carrier.rxPackets += rxPackets;
        carrier.txPackets += txPackets;
        const key = `${domain.spec.name}/${spec.devid}`;
        const truth = this.truth.get(key) ?? { rxBytes: 0n, txBytes: 0n, rxPackets: 0n, txPackets: 0n };
        truth.rxBytes += rx;
        truth.txBytes += tx;
        truth.rxPackets += rxPackets;
        truth.txPackets += txPackets;
        this.truth.set(key, truth);
        if (spec.bridge === "xenbr0" || this.scenario.mode !== "bridge") {
          physRx += tx;
          physTx += rx;
        }
      }
    }
    const uplink = this.hostInterfaces.find((i) => i.name === "peth0" || i.name === "eth0");
    if (uplink) {
      uplink.rxBytes += physRx;
      uplink.txBytes += physTx;
      uplink.rxPackets += physRx / 1200n;
      uplink.txPackets += physTx / 800n;
    }
    for (const iface of this.hostInterfaces) {
      if (iface.kind !== "bridge" && iface.kind !== "dom0") continue;
      const own = BigInt(Math.floor(2_000 * trafficFactor(this.seed, iface.name, 0, epoch) * seconds));
      iface.rxBytes += own;
      iface.txBytes += own * 2n;
      iface.rxPackets += own / 200n;
      iface.txPackets += own / 100n;
    }
  }

  private fireRandomEvent(): void {
    const names = [...this.running.keys()];
    const stopped = this.scenario.domains.filter((d) => !this.running.has(d.name));
    this.nextEventAt += this.eventRandom.int(60_000, 180_000);
    if (stopped.length > 0 && this.eventRandom.next() < 0.7) {
      this.bootAt(this.eventRandom.pick(stopped));
      return;
    }
    if (names.length === 0) return;
    const name = this.eventRandom.pick(names);
    const domain = this.running.get(name) as RunningDomain;
    this.remove(domain);
    this.events.push({ at: this.lastAdvance, kind: "reboot", domain: name, domid: domain.domid });
    this.bootAt(domain.spec);
  }

  /** Boots at the simulation's current time, without advancing the clock (advance() calls it too). */
  private bootAt(spec: SimDomainSpec): number {
    const domid = this.nextDomid++;
    const vifs: RunningDomain["vifs"] = new Map();
    for (const vifSpec of spec.vifs) {
      const base = vifSpec.vifname ?? `vif${domid}.${vifSpec.devid}`;
      const vif = this.newInterface(base, "vif", vifSpec.counterBits);
      const emu = spec.type === "hvm" ? this.newInterface(`${base}-emu`, "emu", vifSpec.counterBits) : null;
      vifs.set(vifSpec.devid, { vif, emu, spec: vifSpec });
    }
    this.running.set(spec.name, { spec, domid, bootedAt: this.lastAdvance, vifs });
    this.events.push({ at: this.lastAdvance, kind: "boot", domain: spec.name, domid });
    return domid;
  }

  private remove(domain: RunningDomain): void {
    this.running.delete(domain.spec.name);
  }

  private requireRunning(name: string): RunningDomain {
    const domain = this.running.get(name);
    if (!domain) throw new Error(`${name} is an invalid domain identifier (rc=-6)`);
    return domain;
  }

  private isBusy(domain: RunningDomain): boolean {
    return trafficFactor(this.seed, domain.spec.name, 99, Math.floor(this.lastAdvance / EPOCH_MS)) > 1.2;
  }

  private allInterfaces(): SimInterface[] {
    const result = [...this.hostInterfaces];
    for (const domain of this.running.values()) {
      for (const { vif, emu } of domain.vifs.values()) {
        result.push(vif);
        if (emu) result.push(emu);
      }
    }
    return result.sort((a, b) => a.ifindex - b.ifindex);
  }

  private newInterface(name: string, kind: SimInterface["kind"], bits: 32 | 64 = 64): SimInterface {
    const iface: SimInterface = {
      name,
      ifindex: this.nextIfindex++,
      kind,
      bits,
      rxBytes: 0n,
      txBytes: 0n,
      rxPackets: 0n,
      txPackets: 0n,
      rxDrops: 0n,
      txDrops: 0n,
      operState: "up",
    };
    if (kind === "physical" || kind === "bridge" || kind === "dom0") this.hostInterfaces.push(iface);
    return iface;
  }
}

/** The traffic of one interface in one epoch, relative to its mean: 0.2 to 1.8, from the seed alone. */
function trafficFactor(seed: number, domain: string, devid: number, epoch: number): number {
  const random = createRandom(hashString(`${seed}:${domain}:${devid}:${epoch}`));
  random.next();
  return 0.2 + 1.6 * random.next();
}

function bridgeMac(name: string, seed: number): string {
  const random = createRandom(hashString(`${seed}:mac:${name}`));
  const bytes = [0x02, ...Array.from({ length: 5 }, () => random.int(0, 255))];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}
