import { stableKeyOf } from "~/server/accounting/identity";
import type { TVif } from "~/server/host/inventory";
import { createRandom, hashString } from "~/server/host/sim/random";
import type { SimHost } from "~/server/host/sim/sim-host";
import type { TSecurityFacts } from "~/server/host/security-facts";


/**
 * Plausible security facts for the simulated host: its firewall and routes are
 * the SimHost's own (the rules and host routes its hotplug scripts would have
 * made), and the rest is a pure function of its inventory and seed. The demo
 * should show the posture page at work, so the simulated dom0 has the usual
 * mistakes of a real one:
 *
 * - FORWARD policy ACCEPT (critical: the antispoof rules restrict nothing);
 * - one vif with ip= whose rules are missing, chosen by its stable name so
 *   that it stays the same one across reboots;
 * - bridge-nf-call-iptables 1, no NOTRACK rule in the raw table, a
 *   conntrack table in moderate use; no netloop (a pvops dom0 kernel).
 */
export function simulateSecurityFacts(host: SimHost, seed: number): TSecurityFacts {
  const inventory = host.readInventory();
  const random = createRandom(seed ^ 0x5ec0);
  const unprotected = pickUnprotected(
    inventory.vifs.filter((v) => v.kind === "vif" && v.ips.length > 0),
    seed,
  );
  const iptablesSave = [
    "*raw",
    ":PREROUTING ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    "COMMIT",
    host.readIptablesSave({ withoutRulesOf: unprotected ? { domain: unprotected.domain, devid: unprotected.devid } : null }),
  ].join("\n");
  const uplink = inventory.host.networkMode === "bridge" ? (inventory.bridges[0]?.name ?? "xenbr0") : (inventory.nics[0]?.name ?? "eth0");
  const routes = [{ dst: "default", dev: uplink }, ...host.readRoutes().map((r) => ({ dst: r.destination.replace(/\/32$/, ""), dev: r.device }))];

  const max = 262_144;
  const count = Math.min(max - 1, random.int(2_000, 9_000) + inventory.vifs.length * random.int(300, 1_500));
  return {
    iptablesSave,
    iptablesError: null,
    bridgeNfCallIptables: "1",
    bridgeNfCallIptablesError: null,
    netloopLoopbacks: null,
    netloopError: "the netloop module is not loaded (normal on current pvops dom0 kernels, which do not use it)",
    conntrack: { count, max },
    conntrackError: null,
    routes,
    routesError: null,
  };
}

/** The vif whose rules the simulated hotplug "lost": the one whose stable name hashes lowest. */
function pickUnprotected(vifs: readonly TVif[], seed: number): TVif | null {
  let best: { vif: TVif; hash: number } | null = null;
  for (const vif of vifs) {
    const hash = hashString(`${seed}:${stableKeyOf(vif)}`);
    if (best === null || hash < best.hash) best = { vif, hash };
  }
  return best?.vif ?? null;
}
