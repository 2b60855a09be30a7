import { readFileSync } from "node:fs";
import path from "node:path";

import type { TCommandOutcome } from "~/server/host/driver";
import type {
  TBridge,
  TCounters,
  TDomain,
  TDomainType,
  TInterfaceCounters,
  TInventory,
  TNic,
  TRate,
  TVif,
} from "~/server/host/inventory";
import { getXlString, listVifs, parseMac, parseNetworkAttachArgv, parseXlConfig, type TDiagnostic } from "~/server/xen";

import { createRandom, hashString } from "./random";
import { drawMac, type SimDomainSpec, type SimScenario, type SimTraffic } from "./scenario";

/**
 * A simulated Xen host: domains that boot, reboot with a new domid, shut down;
 * vifs on bridges (or routed); traffic that makes counters grow; and
 * `xl network-attach` / `network-detach` with xl's own validation, libxl's
 * devid rule, the hotplug scripts' failures and the state they leave behind,
 * all with the texts the real Xen 4.17 host printed (shared/fixtures/xl).
 * Everything is a function of the seed and of the clock, so two hosts with the
 * same seed that see the same calls at the same times report the same numbers.
 *
 * Like a real dom0, a domain's backend interfaces are new kernel interfaces
 * at every boot: a new ifindex, counters from zero, and without a vifname a
 * new name `vif<domid>.<devid>`.
 *
 * What a boot reads (xl semantics): `boot` (xl create) reads the domain's
 * config file from the config directory, when the host has one, else the
 * scenario; `reboot` (xl reboot) restarts from libxl's stored config, which
 * has the hot-attached vifs (failed ones included) and not the detached ones,
 * and never rereads the file.
 */

/** Traffic is constant within an epoch and changes between epochs. */
const EPOCH_MS = 10_000;
/** An HVM guest talks through its emulated NIC until its PV drivers load. */
const HVM_PV_DRIVERS_AFTER_MS = 30_000;
const COUNTER_RANGE_32 = 2 ** 32;
const SCRIPT_DIR = "/etc/xen/scripts";
const DEFAULT_ATTACH_TRAFFIC: SimTraffic = { rxBytesPerSec: 20_000, txBytesPerSec: 60_000, burstChance: 0.05, burstFactor: 4 };

/**
 * Counters are kept as numbers (exact integers up to 2^53: 9 PB, years of the
 * heaviest simulated traffic) and become bigints only when read: at 10,000
 * interfaces bigint arithmetic in every tick would cost more than the read.
 */
type SimInterface = {
  name: string;
  ifindex: number;
  kind: "physical" | "bridge" | "dom0" | "vif" | "emu";
  bits: 32 | 64;
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxDrops: number;
  txDrops: number;
  operState: "up" | "down";
};

type SimTruth = { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number };

/** A vif as libxl keeps it in a running domain's stored config: what `xl reboot` brings back. */
export type SimNic = {
  devid: number;
  mac: string;
  /** As configured (libxl fills in the default bridge); the vif's real bridge is on its device. */
  bridge: string;
  ips: string[];
  vifname: string | null;
  /** As xenstore has it: a script name (`vif-bridge`) or a path. */
  script: string;
  rate: TRate | null;
  /** An HVM guest's boot-time NIC, which has an emulated twin; hot-attached NICs are PV only. */
  emulated: boolean;
  /** server/xen found the vifname unusable as a Linux interface name: the hotplug rename fails. */
  vifnameRefused: boolean;
  traffic: SimTraffic;
  counterBits: 32 | 64;
};

type SimDevice = {
  nic: SimNic;
  vif: SimInterface;
  emu: SimInterface | null;
  /** The hotplug script finished: the vif is up (on its bridge, or routed). */
  connected: boolean;
  /** The bridge the vif is a port of (null when routed or when the hotplug failed). */
  bridge: string | null;
  trafficHash: number;
  /** The ground truth of `<domain>/<devid>`, shared by all incarnations. */
  truth: SimTruth;
};

type RunningDomain = {
  name: string;
  type: TDomainType;
  memoryMiB: number;
  vcpus: number;
  domid: number;
  bootedAt: number;
  /** libxl's stored config: boot-time NICs, plus attached, minus detached. */
  nics: SimNic[];
  busyHash: number;
  devices: Map<number, SimDevice>;
};

/** What a domain boots with: from its config file or from the scenario. */
type BootConfig = { name: string; type: TDomainType; memoryMiB: number; vcpus: number; nics: SimNic[] };

export type SimEventKind = "boot" | "reboot" | "shutdown" | "destroy" | "boot-failed" | "attach" | "detach";
export type SimEvent = { at: number; kind: SimEventKind; domain: string; domid: number; detail?: string };

/** Exact bytes each guest interface moved, by `<domain>/<devid>`, as seen from dom0. */
export type SimGroundTruth = Map<string, { rxBytes: bigint; txBytes: bigint; rxPackets: bigint; txPackets: bigint }>;

/** A route in dom0's main table, as `ip route` would list it. */
export type SimRoute = { destination: string; device: string; source: string | null; origin: "connected" | "vif-route" | "vif-nat" | "brouter" };

export type SimHostOptions = {
  scenario: SimScenario;
  seed: number;
  /** Reboot a random guest now and then, as a busy host would (off in tests that script events). */
  randomEvents: boolean;
  /** The folder of `<domain>.cfg` files that boots read (xl create); without one, boots use the scenario. */
  configDir?: string;
  now?: () => number;
};

/** The boot failed as `xl create` would: `stderr` is what xl printed. */
export class SimBootError extends Error {
  constructor(readonly stderr: string) {
    super(stderr.trimEnd());
    this.name = "SimBootError";
  }
}

export class SimHost {
  readonly scenario: SimScenario;
  readonly configDir: string | null;
  private readonly seed: number;
  private readonly now: () => number;
  private readonly randomEvents: boolean;
  private nextDomid = 1;
  private nextIfindex = 1;
  private nextPid = 1600;
  private lastAdvance: number;
  private nextEventAt: number;
  private readonly eventRandom;
  private readonly macRandom;
  private readonly running = new Map<string, RunningDomain>();
  /** Every kernel interface, in ifindex order (ifindexes only grow, so insertion order is that order). */
  private readonly interfaces = new Map<number, SimInterface>();
  private readonly interfacesByName = new Map<string, SimInterface>();
  private readonly hostInterfaces: SimInterface[] = [];
  private readonly bridgeNames: Set<string>;
  private readonly domainOrder: string[];
  private readonly scenarioDomains: Map<string, SimDomainSpec>;
  private readonly truth = new Map<string, SimTruth>();
  /** Bumped by every change the inventory shows; the inventory is cached between changes. */
  private version = 0;
  private cachedInventory: { version: number; epoch: number; inventory: TInventory } | null = null;
  private cachedStructure: { version: number; inventory: TInventory; running: RunningDomain[] } | null = null;
  readonly events: SimEvent[] = [];

  constructor(options: SimHostOptions) {
    this.scenario = options.scenario;
    this.seed = options.seed;
    this.configDir = options.configDir ?? null;
    this.now = options.now ?? Date.now;
    this.randomEvents = options.randomEvents;
    this.eventRandom = createRandom(options.seed ^ 0x5eed);
    this.macRandom = createRandom(options.seed ^ 0x3ac);
    this.lastAdvance = this.now();
    this.nextEventAt = this.lastAdvance + this.eventRandom.int(60_000, 180_000);
    this.bridgeNames = new Set(this.scenario.bridges.map((b) => b.name));
    this.domainOrder = this.scenario.domains.map((d) => d.name);
    this.scenarioDomains = new Map(this.scenario.domains.map((d) => [d.name, d]));

    const narrow = new Set(this.scenario.hostCounters32);
    const hostInterface = (name: string, kind: SimInterface["kind"]) => this.newInterface(name, kind, narrow.has(name) ? 32 : 64);
    hostInterface("lo", "physical");
    for (const bridge of this.scenario.bridges) {
      if (bridge.physical) hostInterface(bridge.physical, "physical");
    }
    for (const nic of this.scenario.nics) hostInterface(nic.name, "physical");
    for (const bridge of this.scenario.bridges) hostInterface(bridge.name, "bridge");
    if (this.scenario.bridges.some((b) => b.physical !== null)) hostInterface("vif0.0", "dom0");
    for (const spec of this.scenario.domains) {
      try {
        this.bootAt(this.readBootConfig(spec.name));
      } catch (error) {
        if (!(error instanceof SimBootError)) throw error;
        this.events.push({ at: this.lastAdvance, kind: "boot-failed", domain: spec.name, domid: 0, detail: error.stderr });
      }
    }
  }

  // ---------------------------------------------------------------- domains

  /**
   * `xl create`: starts a domain that is not running, from its config file (or
   * the scenario): a new domid and new backend interfaces. Throws a
   * SimBootError with xl's texts when the config or a vif's hotplug fails.
   */
  boot(name: string): number {
    this.advance();
    if (this.running.has(name)) throw new SimBootError(`Domain with name ${name} already exists.\n`);
    return this.bootAt(this.readBootConfig(name));
  }

  /**
   * `xl reboot`: the domain comes back at once with a new domid, from libxl's
   * stored config (the file is not reread). When a vif's hotplug fails again
   * (a failed attach left it in the stored config), the domain is destroyed
   * instead (captures 65–67, 140): then null.
   */
  reboot(name: string): number | null {
    const domain = this.requireRunning(name);
    this.advance();
    return this.restart(domain, this.now());
  }

  /** `xl shutdown`: the domain is gone until the next boot, which reads its config file again. */
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

  /** The running domain's domid, or null. */
  findDomid(name: string): number | null {
    return this.running.get(name)?.domid ?? null;
  }

  // ---------------------------------------------------------- attach/detach

  /**
   * `xl network-attach <domain> <tokens…>` as Xen 4.17 does it: the domain is
   * resolved first, then each token is parsed (server/xen's parseNetworkAttachArgv)
   * and the first one xl refuses ends the command; libxl then picks the devid
   * (the last of the string-sorted devids plus one: once devid 10 exists, that
   * is 10 again and every attach fails with "device already exists in xenstore")
   * and runs the hotplug script, whose failure leaves the vif behind: in
   * xenstore (state 4), in the stored config, down and on no bridge.
   */
  attachVif(domain: string, tokens: readonly string[]): TCommandOutcome {
    this.advance();
    const command = ["xl", "network-attach", domain, ...tokens];
    const numeric = /^[0-9]+$/.test(domain);
    const target = numeric ? this.findByDomid(Number(domain)) : this.running.get(domain);
    if (!numeric && !target) return failed(command, `${domain} is an invalid domain identifier (rc=-6)\n`);

    const parsed = parseNetworkAttachArgv(["network-attach", domain, ...tokens], { guestType: target?.type ?? null });
    let stderr = "";
    for (const issue of parsed.vif.issues) {
      const { xlMessage, severity } = issue.diagnostic;
      if (xlMessage === undefined) continue;
      stderr += `${xlMessage}\n`;
      if (severity === "error") return failed(command, stderr);
    }
    if (!target) {
      return failed(
        command,
        `${stderr}libxl: error: libxl_dom.c:37:libxl__domain_type: unable to get domain type for domid=${domain}\n` +
          "libxl: error: libxl_device.c:1486:device_addrm_aocomplete: unable to add device\nlibxl_device_nic_add failed.\n",
      );
    }
    const effective = parsed.vif.effective;
    const devid = effective.devidExplicit && effective.devid !== null && effective.devid >= 0 ? effective.devid : nextDevid(target.devices.keys());
    if (target.devices.has(devid)) {
      return failed(
        command,
        `${stderr}libxl: error: libxl_device.c:1998:libxl__device_add_async: Domain ${target.domid}:device already exists in xenstore\n` +
          "libxl: error: libxl_device.c:1486:device_addrm_aocomplete: unable to add device\nlibxl_device_nic_add failed.\n",
      );
    }
    const profile = this.findScenarioVif(target.name, devid);
    const nic: SimNic = {
      devid,
      mac: effective.mac ?? this.drawMac(),
      bridge: effective.bridge ?? this.scenario.defaultBridge,
      ips: effective.ips,
      vifname: effective.vifname,
      script: effective.script ?? this.scenario.vifScript,
      rate: effective.rate ? { bytesPerInterval: effective.rate.bytesPerInterval, intervalUsecs: effective.rate.intervalUsecs } : null,
      emulated: false,
      vifnameRefused: refusesVifname(parsed.diagnostics),
      traffic: profile ?? DEFAULT_ATTACH_TRAFFIC,
      counterBits: profile?.counterBits ?? 64,
    };
    target.nics.push(nic);
    const failure = this.createDevice(target, nic);
    this.touch();
    this.events.push({ at: this.lastAdvance, kind: "attach", domain: target.name, domid: target.domid, detail: failure ?? `devid ${devid}` });
    if (failure !== null) {
      return failed(command, `${stderr}${this.hotplugFailureLines(nic, failure)}libxl: error: libxl_device.c:1481:device_addrm_aocomplete: Domain ${target.domid}:Unable to add vif with id ${devid}\nlibxl_device_nic_add failed.\n`);
    }
    return { command, exitCode: 0, stdout: "", stderr, durationMs: 0 };
  }

  /**
   * `xl network-detach <domain> <devid|mac>`: a word with ':' is a MAC (strict),
   * anything else atoi()'s devid; the vif goes from xenstore, the kernel and the
   * stored config. A leftover of a failed attach is detached like any vif.
   */
  detachVif(domain: string, device: number | string): TCommandOutcome {
    this.advance();
    const arg = String(device);
    const command = ["xl", "network-detach", domain, arg];
    const numeric = /^[0-9]+$/.test(domain);
    const target = numeric ? this.findByDomid(Number(domain)) : this.running.get(domain);
    if (!numeric && !target) return failed(command, `${domain} is an invalid domain identifier (rc=-6)\n`);
    let found: SimDevice | undefined;
    if (arg.includes(":")) {
      const bytes = parseMac(arg);
      const mac = bytes?.map((b) => b.toString(16).padStart(2, "0")).join(":");
      found = target && mac ? sortDevids(target.devices.keys()).map((d) => target.devices.get(d)).find((d) => d?.nic.mac === mac) : undefined;
      if (!found) return failed(command, `Unknown device ${arg}.\n`);
    } else {
      const devid = atoi(arg);
      found = target?.devices.get(devid);
      if (!found) {
        const domid = target?.domid ?? Number(domain);
        return failed(command, `libxl: error: libxl_xshelp.c:206:libxl__xs_read_mandatory: xenstore read failed: \`/libxl/${domid}/device/vif/${devid}': No such file or directory\nUnknown device ${arg}.\n`);
      }
    }
    const owner = target as RunningDomain;
    this.removeDevice(owner, found);
    owner.nics = owner.nics.filter((n) => n !== found.nic);
    this.touch();
    this.events.push({ at: this.lastAdvance, kind: "detach", domain: owner.name, domid: owner.domid, detail: `devid ${found.nic.devid}` });
    return { command, exitCode: 0, stdout: "", stderr: "", durationMs: 0 };
  }

  // ------------------------------------------------------------------ reads

  /**
   * The inventory. It is cached until something changes (a boot, an attach…)
   * or the traffic epoch turns (domain states follow the traffic): at 1,000
   * domains it is built once, not at every call. Treat it as read-only.
   */
  readInventory(): TInventory {
    this.advance();
    const epoch = Math.floor(this.lastAdvance / EPOCH_MS);
    const cached = this.cachedInventory;
    if (cached && cached.version === this.version && cached.epoch === epoch) return cached.inventory;
    let structure = this.cachedStructure;
    if (!structure || structure.version !== this.version) {
      structure = { version: this.version, ...this.buildInventory() };
      this.cachedStructure = structure;
    }
    // Only the domains' states change from one epoch to the next.
    const [dom0, ...guests] = structure.inventory.domains;
    const domains = dom0 ? [dom0] : [];
    guests.forEach((domain, i) => {
      const running = structure.running[i] as RunningDomain;
      domains.push({ ...domain, state: this.isBusy(running, epoch) ? "running" : "blocked" });
    });
    const inventory = { ...structure.inventory, domains };
    this.cachedInventory = { version: this.version, epoch, inventory };
    return inventory;
  }

  readCounters(): TCounters {
    const at = this.advance();
    const interfaces: TInterfaceCounters[] = new Array<TInterfaceCounters>(this.interfaces.size);
    let n = 0;
    for (const i of this.interfaces.values()) {
      const read = i.bits === 32 ? (value: number) => BigInt(value % COUNTER_RANGE_32) : BigInt;
      interfaces[n++] = {
        name: i.name,
        ifindex: i.ifindex,
        rxBytes: read(i.rxBytes),
        txBytes: read(i.txBytes),
        rxPackets: read(i.rxPackets),
        txPackets: read(i.txPackets),
        rxErrors: 0n,
        txErrors: 0n,
        rxDrops: read(i.rxDrops),
        txDrops: read(i.txDrops),
      };
    }
    return { at, interfaces };
  }

  /** What every guest interface really moved, across all its incarnations: the tests' ground truth. */
  readGroundTruth(): SimGroundTruth {
    this.advance();
    const truth: SimGroundTruth = new Map();
    for (const [key, t] of this.truth) {
      truth.set(key, { rxBytes: BigInt(t.rxBytes), txBytes: BigInt(t.txBytes), rxPackets: BigInt(t.rxPackets), txPackets: BigInt(t.txPackets) });
    }
    return truth;
  }

  /**
   * dom0's routes: the connected networks of its addressed interfaces (a
   * brouter's among them), and in route and nat mode the host route vif-route
   * / vif-nat adds for each ip= of each vif (`ip route add <ip> dev <vif> src
   * <dom0's address>`); a routed vif without ip= gets none and is unreachable.
   */
  readRoutes(): SimRoute[] {
    this.advance();
    const routes: SimRoute[] = [];
    const uplinkAddress = this.scenario.nics[0]?.addresses[0] ?? null;
    for (const bridge of this.scenario.bridges) {
      for (const address of bridge.addresses) routes.push({ destination: networkOf(address), device: bridge.name, source: hostOf(address), origin: bridge.physical ? "connected" : "brouter" });
    }
    for (const nic of this.scenario.nics) {
      for (const address of nic.addresses) routes.push({ destination: networkOf(address), device: nic.name, source: hostOf(address), origin: "connected" });
    }
    for (const domain of this.running.values()) {
      for (const device of domain.devices.values()) {
        const kind = scriptKind(device.nic.script);
        if (kind === "bridge" || !device.connected) continue;
        for (const ip of device.nic.ips) {
          routes.push({ destination: ip, device: device.vif.name, source: uplinkAddress ? hostOf(uplinkAddress) : null, origin: kind === "route" ? "vif-route" : "vif-nat" });
        }
      }
    }
    return routes;
  }

  /**
   * The FORWARD rules upstream's vif-common.sh (handle_iptable) adds for each
   * connected vif, in iptables-save form, and in nat mode network-nat's
   * masquerade rule. (Debian's packaging disables handle_iptable: capture 82.)
   * `withoutRulesOf` leaves out one vif's rules, as a failed hotplug would.
   */
  readIptablesSave(options: { withoutRulesOf?: { domain: string; devid: number } | null } = {}): string {
    this.advance();
    const skip = options.withoutRulesOf ?? null;
    const filter: string[] = [];
    for (const [name, domain] of this.running) {
      for (const [devid, device] of domain.devices) {
        if (!device.connected) continue;
        // A vif whose hotplug "lost" its rules: the demo's missing antispoof finding.
        if (skip && skip.domain === name && skip.devid === devid) continue;
        const bridged = device.bridge !== null;
        // vif-bridge runs for an HVM guest's emulated tap too.
        for (const dev of device.emu ? [device.vif.name, device.emu.name] : [device.vif.name]) {
          const inMatch = bridged ? `-m physdev --physdev-in ${dev} --physdev-is-bridged` : `-i ${dev}`;
          const outMatch = bridged ? `-m physdev --physdev-out ${dev} --physdev-is-bridged` : `-o ${dev}`;
          const sources = device.nic.ips.length > 0 ? [...device.nic.ips.map((ip) => `-s ${ip.includes("/") ? ip : `${ip}/32`}`), "-p udp -m udp --sport 68 --dport 67"] : [""];
          for (const source of sources) {
            filter.push(`-A FORWARD ${source ? `${source} ` : ""}${inMatch} -j ACCEPT`.replace("  ", " "));
            filter.push(`-A FORWARD ${outMatch} -j ACCEPT`);
          }
        }
      }
    }
    const lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ...filter, "COMMIT"];
    if (this.scenario.masqueradeVia) {
      lines.push("*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", `-A POSTROUTING -o ${this.scenario.masqueradeVia} -j MASQUERADE`, "COMMIT");
    }
    return `${lines.join("\n")}\n`;
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

  // --------------------------------------------------------------- internals

  private buildInventory(): { inventory: TInventory; running: RunningDomain[] } {
    const script = this.scenario.vifScript;
    const domains: TDomain[] = [{ name: "Domain-0", domid: 0, state: "running", type: "pv", memoryMiB: 1024, vcpus: 2, configFile: null }];
    const vifs: TVif[] = [];
    const ports = new Map<string, TBridge["ports"]>(this.scenario.bridges.map((b) => [b.name, []]));
    for (const bridge of this.scenario.bridges) {
      const list = ports.get(bridge.name) as TBridge["ports"];
      const phys = bridge.physical ? this.interfacesByName.get(bridge.physical) : undefined;
      if (phys) list.push({ name: phys.name, ifindex: phys.ifindex, kind: "physical", stpState: "forwarding", operState: "up" });
      const dom0 = bridge.physical ? this.interfacesByName.get("vif0.0") : undefined;
      if (dom0 && bridge.name === this.scenario.bridges.find((b) => b.physical)?.name) {
        list.push({ name: dom0.name, ifindex: dom0.ifindex, kind: "dom0", stpState: "forwarding", operState: "up" });
      }
    }
    const running: RunningDomain[] = [];
    for (const name of this.domainOrder) {
      const domain = this.running.get(name);
      if (!domain) continue;
      running.push(domain);
      domains.push({
        name,
        domid: domain.domid,
        state: "blocked",
        type: domain.type,
        memoryMiB: domain.memoryMiB,
        vcpus: domain.vcpus,
        configFile: `${name}.cfg`,
      });
      for (const devid of sortNumbers(domain.devices.keys())) {
        const device = domain.devices.get(devid) as SimDevice;
        const { nic } = device;
        for (const iface of device.emu ? [device.vif, device.emu] : [device.vif]) {
          const kind = iface.kind === "emu" ? "emu" : "vif";
          vifs.push({
            kernelName: iface.name,
            ifindex: iface.ifindex,
            domid: domain.domid,
            domain: name,
            devid,
            vifname: nic.vifname,
            kind,
            mac: nic.mac,
            ips: nic.ips,
            bridge: device.bridge,
            script: nic.script,
            rate: nic.rate,
            backendState: kind === "emu" ? null : 4,
            operState: iface.operState,
            mtu: 1500,
          });
          if (device.bridge !== null) {
            ports.get(device.bridge)?.push({ name: iface.name, ifindex: iface.ifindex, kind, stpState: iface.operState === "up" ? "forwarding" : "disabled", operState: iface.operState });
          }
        }
      }
    }

    const bridges: TBridge[] = this.scenario.bridges.map((bridge) => {
      const iface = this.interfacesByName.get(bridge.name);
      if (!iface) throw new Error(`bridge ${bridge.name} has no interface`);
      return {
        name: bridge.name,
        ifindex: iface.ifindex,
        bridgeId: `8000.${bridgeMac(bridge.name, this.seed).replaceAll(":", "")}`,
        stp: bridge.stp,
        mtu: 1500,
        operState: "up",
        addresses: bridge.addresses,
        ports: ports.get(bridge.name) ?? [],
      };
    });

    const nics: TNic[] = [];
    for (const bridge of this.scenario.bridges) {
      const phys = bridge.physical ? this.interfacesByName.get(bridge.physical) : undefined;
      if (phys) nics.push({ name: phys.name, ifindex: phys.ifindex, mac: "fe:ff:ff:ff:ff:ff", mtu: 1500, operState: "up", master: bridge.name, addresses: [] });
    }
    for (const nic of this.scenario.nics) {
      const iface = this.interfacesByName.get(nic.name);
      if (iface) nics.push({ name: nic.name, ifindex: iface.ifindex, mac: bridgeMac(nic.name, this.seed), mtu: 1500, operState: "up", master: null, addresses: nic.addresses });
    }

    const inventory: TInventory = {
      host: {
        hostname: this.scenario.hostname,
        driver: "sim",
        xenVersion: "4.17.7",
        kernel: "6.1.0-sim",
        networkMode: this.scenario.mode,
        vifScript: script,
      },
      domains,
      bridges,
      vifs,
      nics,
    };
    return { inventory, running };
  }

  private addTraffic(epoch: number, from: number, until: number): void {
    const seconds = (until - from) / 1000;
    if (seconds <= 0) return;
    let uplinkRx = 0;
    let uplinkTx = 0;
    for (const domain of this.running.values()) {
      for (const device of domain.devices.values()) {
        if (!device.connected) continue;
        const { nic, truth } = device;
        const emulated = device.emu !== null && until - domain.bootedAt < HVM_PV_DRIVERS_AFTER_MS;
        const carrier = emulated ? (device.emu as SimInterface) : device.vif;
        const factor = trafficFactor(device.trafficHash, epoch, nic.traffic);
        const rx = Math.floor(nic.traffic.rxBytesPerSec * factor * seconds);
        const tx = Math.floor(nic.traffic.txBytesPerSec * factor * seconds);
        if (rx === 0 && tx === 0) continue;
        const rxPackets = Math.floor(rx / 800) + (rx > 0 ? 1 : 0);
        const txPackets = Math.floor(tx / 1200) + (tx > 0 ? 1 : 0);
        carrier.rxBytes += rx;
        carrier.txBytes += tx;
        carrier.rxPackets += rxPackets;
        carrier.txPackets += txPackets;
        truth.rxBytes += rx;
        truth.txBytes += tx;
        truth.rxPackets += rxPackets;
        truth.txPackets += txPackets;
        // Internal-bridge traffic stays on the host; the rest leaves through the uplink.
        if (device.bridge !== "xenbr1") {
          uplinkRx += tx;
          uplinkTx += rx;
        }
      }
    }
    const uplinkName = this.scenario.bridges.find((b) => b.physical)?.physical ?? this.scenario.nics[0]?.name;
    const uplink = uplinkName ? this.interfacesByName.get(uplinkName) : undefined;
    if (uplink) {
      uplink.rxBytes += uplinkRx;
      uplink.txBytes += uplinkTx;
      uplink.rxPackets += Math.floor(uplinkRx / 1200);
      uplink.txPackets += Math.floor(uplinkTx / 800);
    }
    for (const iface of this.hostInterfaces) {
      if (iface.kind !== "bridge" && iface.kind !== "dom0") continue;
      const own = Math.floor(2_000 * trafficFactor(hashString(`${this.seed}:${iface.name}:0`), epoch, null) * seconds);
      iface.rxBytes += own;
      iface.txBytes += own * 2;
      iface.rxPackets += Math.floor(own / 200);
      iface.txPackets += Math.floor(own / 100);
    }
  }

  private fireRandomEvent(): void {
    const names = [...this.running.keys()];
    const stopped = this.domainOrder.filter((d) => !this.running.has(d));
    this.nextEventAt += this.eventRandom.int(60_000, 180_000);
    if (stopped.length > 0 && this.eventRandom.next() < 0.7) {
      const name = this.eventRandom.pick(stopped);
      try {
        this.bootAt(this.readBootConfig(name));
      } catch (error) {
        if (!(error instanceof SimBootError)) throw error;
        this.events.push({ at: this.lastAdvance, kind: "boot-failed", domain: name, domid: 0, detail: error.stderr });
      }
      return;
    }
    if (names.length === 0) return;
    const domain = this.running.get(this.eventRandom.pick(names)) as RunningDomain;
    this.restart(domain, this.lastAdvance);
  }

  /** xl reboot's restart from the stored config; null when a vif's hotplug fails and the domain is destroyed. */
  private restart(domain: RunningDomain, at: number): number | null {
    this.remove(domain);
    this.events.push({ at, kind: "reboot", domain: domain.name, domid: domain.domid });
    try {
      return this.bootAt({ name: domain.name, type: domain.type, memoryMiB: domain.memoryMiB, vcpus: domain.vcpus, nics: domain.nics });
    } catch (error) {
      if (!(error instanceof SimBootError)) throw error;
      this.events.push({ at, kind: "destroy", domain: domain.name, domid: domain.domid, detail: error.stderr });
      return null;
    }
  }

  /** What `xl create` reads: the domain's config file when the host has a config directory, else the scenario. */
  private readBootConfig(name: string): BootConfig {
    const spec = this.scenarioDomains.get(name);
    if (this.configDir === null) {
      if (!spec) throw new SimBootError(`${name} is an invalid domain identifier (rc=-6)\n`);
      return this.bootConfigFromSpec(spec);
    }
    const file = path.join(this.configDir, `${name}.cfg`);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new SimBootError(`Failed to read config file: ${file}: No such file or directory\n`);
    }
    const { config, diagnostics } = parseXlConfig(text, { source: file });
    const fatal = listVifs(config).find((v) => v.fatal);
    if (!config.syntaxOk || fatal) {
      const messages = (fatal ? fatal.diagnostics : diagnostics).filter((d) => d.severity === "error").map((d) => d.xlMessage ?? `${file}:${d.line}: ${d.message}`);
      throw new SimBootError(`${messages.join("\n")}\nFailed to parse config: Invalid argument\n`);
    }
    const type = config.guestType;
    let taken: Set<string> | null = null;
    const nics = listVifs(config).map((vif): SimNic => {
      const e = vif.effective;
      const profile = this.findScenarioVif(name, vif.devid);
      return {
        devid: vif.devid,
        // xl makes up a random MAC at every start for a vif without one.
        mac: e.mac ?? this.drawMac((taken ??= this.knownMacs())),
        bridge: e.bridge ?? this.scenario.defaultBridge,
        ips: e.ips,
        vifname: e.vifname,
        script: e.script ?? this.scenario.vifScript,
        rate: e.rate ? { bytesPerInterval: e.rate.bytesPerInterval, intervalUsecs: e.rate.intervalUsecs } : null,
        emulated: type === "hvm" && e.type !== "vif",
        vifnameRefused: refusesVifname(vif.diagnostics),
        traffic: profile ?? DEFAULT_ATTACH_TRAFFIC,
        counterBits: profile?.counterBits ?? 64,
      };
    });
    const number = (key: string, fallback: number) => {
      const value = Number(getXlString(config, key));
      return Number.isInteger(value) && value > 0 ? value : fallback;
    };
    if (!spec && !this.domainOrder.includes(name)) this.domainOrder.push(name);
    return { name, type, memoryMiB: number("memory", spec?.memoryMiB ?? 512), vcpus: number("vcpus", spec?.vcpus ?? 1), nics };
  }

  private bootConfigFromSpec(spec: SimDomainSpec): BootConfig {
    const nics = spec.vifs.map((vif): SimNic => ({
      devid: vif.devid,
      mac: vif.mac,
      bridge: vif.bridge ?? this.scenario.defaultBridge,
      ips: vif.ips,
      vifname: vif.vifname,
      script: this.scenario.vifScript,
      rate: vif.rate,
      emulated: spec.type === "hvm",
      vifnameRefused: false,
      traffic: vif,
      counterBits: vif.counterBits,
    }));
    return { name: spec.name, type: spec.type, memoryMiB: spec.memoryMiB, vcpus: spec.vcpus, nics };
  }

  /**
   * Boots at the simulation's current time, without advancing the clock
   * (advance() calls it too). A vif whose hotplug fails makes libxl give up
   * and destroy the domain (140: "unable to add vif devices").
   */
  private bootAt(config: BootConfig): number {
    const domid = this.nextDomid++;
    const domain: RunningDomain = {
      name: config.name,
      type: config.type,
      memoryMiB: config.memoryMiB,
      vcpus: config.vcpus,
      domid,
      bootedAt: this.lastAdvance,
      nics: [...config.nics],
      busyHash: hashString(`${this.seed}:${config.name}:99`),
      devices: new Map(),
    };
    this.running.set(config.name, domain);
    this.touch();
    let stderr = "";
    for (const nic of config.nics) {
      const failure = this.createDevice(domain, nic);
      if (failure !== null) stderr += this.hotplugFailureLines(nic, failure);
    }
    if (stderr !== "") {
      this.remove(domain);
      throw new SimBootError(`${stderr}libxl: error: libxl_create.c:1921:domcreate_attach_devices: Domain ${domid}:unable to add vif devices\n`);
    }
    this.events.push({ at: this.lastAdvance, kind: "boot", domain: config.name, domid });
    return domid;
  }

  /**
   * The backend interface and what the hotplug script does with it
   * (vif-common.sh, then vif-bridge / vif-route / vif-nat). Returns the
   * script's failure message, or null. A failed vif stays: down, on no bridge.
   */
  private createDevice(domain: RunningDomain, nic: SimNic): string | null {
    const defaultName = `vif${domain.domid}.${nic.devid}`;
    const vif = this.newInterface(defaultName, "vif", nic.counterBits);
    const emu = nic.emulated ? this.newInterface(`${defaultName}-emu`, "emu", nic.counterBits) : null;
    const key = `${domain.name}/${nic.devid}`;
    let truth = this.truth.get(key);
    if (!truth) {
      truth = { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0 };
      this.truth.set(key, truth);
    }
    const device: SimDevice = { nic, vif, emu, connected: false, bridge: null, trafficHash: hashString(`${this.seed}:${domain.name}:${nic.devid}`), truth };
    domain.devices.set(nic.devid, device);
    vif.operState = "down";
    if (emu && nic.vifname !== null && !nic.vifnameRefused && !this.interfacesByName.has(`${nic.vifname}-emu`)) this.rename(emu, `${nic.vifname}-emu`);

    // vif-common.sh: rename_vif.
    if (nic.vifname !== null && nic.vifname !== "") {
      if (this.interfacesByName.has(nic.vifname)) return `Cannot rename interface ${defaultName}. An interface with name ${nic.vifname} already exists.`;
      if (nic.vifnameRefused) return `ip link set ${defaultName} name ${nic.vifname} failed`;
      this.rename(vif, nic.vifname);
    }
    const kind = scriptKind(nic.script);
    if (kind === "bridge") {
      let bridge = nic.bridge;
      if (bridge === "") {
        bridge = this.scenario.bridges[0]?.name ?? "";
        if (bridge === "") return "Could not find bridge, and none was specified";
      }
      if (!this.bridgeNames.has(bridge)) return `Could not find bridge device ${bridge}`;
      device.bridge = bridge;
    }
    device.connected = true;
    vif.operState = "up";
    return null;
  }

  private hotplugFailureLines(nic: SimNic, message: string): string {
    const script = nic.script.startsWith("/") ? nic.script : `${SCRIPT_DIR}/${nic.script}`;
    return (
      `libxl: error: libxl_exec.c:117:libxl_report_child_exitstatus: ${script} online [${this.nextPid++}] exited with error status 1\n` +
      `libxl: error: libxl_device.c:1337:device_hotplug_child_death_cb: script: ${message}\n`
    );
  }

  private removeDevice(domain: RunningDomain, device: SimDevice): void {
    domain.devices.delete(device.nic.devid);
    this.dropInterface(device.vif);
    if (device.emu) this.dropInterface(device.emu);
  }

  private remove(domain: RunningDomain): void {
    for (const device of [...domain.devices.values()]) this.removeDevice(domain, device);
    this.running.delete(domain.name);
    this.touch();
  }

  private requireRunning(name: string): RunningDomain {
    const domain = this.running.get(name);
    if (!domain) throw new SimBootError(`${name} is an invalid domain identifier (rc=-6)\n`);
    return domain;
  }

  private findByDomid(domid: number): RunningDomain | undefined {
    for (const domain of this.running.values()) if (domain.domid === domid) return domain;
    return undefined;
  }

  private findScenarioVif(domain: string, devid: number) {
    return this.scenarioDomains.get(domain)?.vifs.find((v) => v.devid === devid) ?? null;
  }

  private knownMacs(): Set<string> {
    const macs = new Set<string>();
    for (const domain of this.running.values()) for (const device of domain.devices.values()) macs.add(device.nic.mac);
    return macs;
  }

  private drawMac(taken: Set<string> = this.knownMacs()): string {
    return drawMac(this.macRandom, taken);
  }

  private isBusy(domain: RunningDomain, epoch: number): boolean {
    return trafficFactor(domain.busyHash, epoch, null) > 1.2;
  }

  private touch(): void {
    this.version++;
  }

  private rename(iface: SimInterface, name: string): void {
    this.interfacesByName.delete(iface.name);
    iface.name = name;
    this.interfacesByName.set(name, iface);
  }

  private dropInterface(iface: SimInterface): void {
    this.interfaces.delete(iface.ifindex);
    if (this.interfacesByName.get(iface.name) === iface) this.interfacesByName.delete(iface.name);
  }

  private newInterface(name: string, kind: SimInterface["kind"], bits: 32 | 64 = 64): SimInterface {
    const iface: SimInterface = {
      name,
      ifindex: this.nextIfindex++,
      kind,
      bits,
      rxBytes: 0,
      txBytes: 0,
      rxPackets: 0,
      txPackets: 0,
      rxDrops: 0,
      txDrops: 0,
      operState: "up",
    };
    this.interfaces.set(iface.ifindex, iface);
    this.interfacesByName.set(name, iface);
    if (kind === "physical" || kind === "bridge" || kind === "dom0") this.hostInterfaces.push(iface);
    return iface;
  }
}

function failed(command: string[], stderr: string): TCommandOutcome {
  return { command, exitCode: 1, stdout: "", stderr, durationMs: 0 };
}

/** libxl__device_nextid: the last entry of the (string-sorted) xenstore directory, plus one. */
function nextDevid(devids: Iterable<number>): number {
  const sorted = sortDevids(devids);
  const last = sorted.at(-1);
  return last === undefined ? 0 : last + 1;
}

/** Devids in xenstore's directory order: as strings (0, 1, 10, 2, …). */
function sortDevids(devids: Iterable<number>): number[] {
  return [...devids].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

function sortNumbers(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

/** C's atoi, as xl network-detach reads a devid: leading blanks, a sign, digits; anything else is 0. */
function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(text);
  return m?.[1] ? Number.parseInt(m[1], 10) | 0 : 0;
}

/** The vifname server/xen says the kernel will refuse (over 15 bytes, or not a valid interface name). */
function refusesVifname(diagnostics: readonly TDiagnostic[]): boolean {
  return diagnostics.some((d) => d.code === "VIF_VIFNAME_TOO_LONG" || d.code === "VIF_VIFNAME_INVALID");
}

function scriptKind(script: string): "bridge" | "route" | "nat" {
  const name = script.slice(script.lastIndexOf("/") + 1);
  if (/(^|-)route$/.test(name)) return "route";
  if (/(^|-)nat$/.test(name)) return "nat";
  return "bridge";
}

/** One mulberry32 step: a float in [0, 1) from a 32-bit state. */
function unitFromState(state: number): number {
  let t = (state + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * The traffic of one interface in one epoch, relative to its mean: 0.2 to 1.8,
 * times the burst factor in a burst epoch; from the seed alone.
 */
function trafficFactor(hash: number, epoch: number, burst: Pick<SimTraffic, "burstChance" | "burstFactor"> | null): number {
  const state = (hash ^ Math.imul(epoch | 0, 0x9e3779b1)) >>> 0;
  const base = 0.2 + 1.6 * unitFromState(state);
  if (!burst || burst.burstChance <= 0) return base;
  return unitFromState(state ^ 0x85ebca6b) < burst.burstChance ? base * burst.burstFactor : base;
}

function bridgeMac(name: string, seed: number): string {
  const random = createRandom(hashString(`${seed}:mac:${name}`));
  const bytes = [0x02, ...Array.from({ length: 5 }, () => random.int(0, 255))];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

function hostOf(cidr: string): string {
  return cidr.split("/")[0] ?? cidr;
}

/** The network of an IPv4 CIDR (10.0.2.1/24 → 10.0.2.0/24). */
function networkOf(cidr: string): string {
  const [address = "", bits = "32"] = cidr.split("/");
  const prefix = Number(bits);
  const value = address.split(".").reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (value & mask) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join(".")}/${prefix}`;
}
