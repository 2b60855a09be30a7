import { describe, expect, it } from "vitest";

import type { TNetworkMode } from "~/server/host/inventory";
import { ZSecurityFactsSchema } from "~/server/host/security-facts";
import { createScenario } from "~/server/host/sim/scenario";
import { SimHost } from "~/server/host/sim/sim-host";

import { parseIptablesSave, readChainPolicy } from "./iptables";
import { computeSecurityPosture } from "./posture";
import { simulateSecurityFacts } from "./sim-facts";

function createHost(seed = 1, mode: TNetworkMode = "bridge", domains = 6) {
  let now = 1_700_000_000_000;
  const host = new SimHost({ scenario: createScenario({ seed, domains, mode }), seed, randomEvents: false, now: () => now });
  return { host, tick: (ms: number) => (now += ms) };
}

describe("simulateSecurityFacts", () => {
  it("is deterministic and valid", () => {
    const a = simulateSecurityFacts(createHost(3).host, 3);
    const b = simulateSecurityFacts(createHost(3).host, 3);
    expect(a).toEqual(b);
    expect(ZSecurityFactsSchema.parse(a)).toEqual(a);
    const save = parseIptablesSave(a.iptablesSave ?? "");
    expect(save.warnings).toEqual([]);
    expect(readChainPolicy(save, "filter", "FORWARD")).toBe("ACCEPT");
    expect(a).toMatchObject({ bridgeNfCallIptables: "1", netloopLoopbacks: null });
    expect(a.iptablesSave).not.toMatch(/NOTRACK|--notrack/);
  });

  for (const mode of ["bridge", "route", "nat"] as const) {
    it(`gives the demo its findings in ${mode} mode: FORWARD policy ACCEPT and exactly one vif without its rule`, () => {
      const { host } = createHost(1, mode);
      const inventory = host.readInventory();
      const posture = computeSecurityPosture({ facts: simulateSecurityFacts(host, 1), inventory, configs: [] });
      expect(posture.findings[0]).toMatchObject({ id: "FORWARD_POLICY_ACCEPT", severity: "critical" });
      // One guest vif (an HVM guest's -emu twin goes with it: vif-bridge runs for the tap too).
      const missing = posture.findings.filter((f) => f.id === "VIF_ANTISPOOF_MISSING");
      expect(new Set(missing.map((f) => f.target.name)).size).toBe(1);
      const withRules = posture.vifs.filter((v) => v.ips.length > 0 && v.antispoof !== "rule-missing");
      // With policy ACCEPT the rules that are there are inert.
      expect(withRules.length).toBeGreaterThan(0);
      expect(withRules.every((v) => v.antispoof === "inert")).toBe(true);
      expect(posture.findings.some((f) => f.id === "NOTRACK_MISSING")).toBe(mode === "bridge");
      expect(posture.findings.some((f) => f.id === "VIF_HOST_ROUTE_MISSING")).toBe(false);
      expect(posture.findings.find((f) => f.check === "conntrack")?.id).toBe("CONNTRACK_OK");
    });
  }

  it("keeps the same vif unprotected when its domain reboots with a new domid", () => {
    const { host, tick } = createHost(1);
    const before = host.readInventory();
    const first = computeSecurityPosture({ facts: simulateSecurityFacts(host, 1), inventory: before, configs: [] });
    const victim = first.findings.find((f) => f.id === "VIF_ANTISPOOF_MISSING")?.target.name;
    expect(victim).toBeDefined();
    for (const domain of before.domains.filter((d) => d.domid !== 0)) {
      tick(1_000);
      host.reboot(domain.name);
    }
    const after = host.readInventory();
    expect(after.vifs.map((v) => v.domid)).not.toEqual(before.vifs.map((v) => v.domid));
    const second = computeSecurityPosture({ facts: simulateSecurityFacts(host, 1), inventory: after, configs: [] });
    expect(second.findings.find((f) => f.id === "VIF_ANTISPOOF_MISSING")?.target.name).toBe(victim);
  });
});
