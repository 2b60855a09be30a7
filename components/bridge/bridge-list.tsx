import { Cable, Cpu, Monitor, Server } from "lucide-react";

import { Badge } from "~/components/ui/badge";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import type { TBridge, TBridgePort, TInventory } from "~/server/host/inventory";

const PORT_ICON = {
  physical: <Cable className="size-4" aria-label="physical NIC" />,
  dom0: <Server className="size-4" aria-label="dom0" />,
  vif: <Cpu className="size-4" aria-label="guest vif" />,
  emu: <Monitor className="size-4" aria-label="emulated NIC" />,
  other: <Cable className="size-4" aria-label="interface" />,
} as const;

function stpTone(state: TBridgePort["stpState"]) {
  if (state === "forwarding") return "good" as const;
  if (state === "blocking" || state === "disabled") return "bad" as const;
  return "warn" as const;
}

export function BridgeList({ inventory }: { inventory: TInventory }) {
  if (inventory.bridges.length === 0) {
    return (
      <Card aria-label="Bridges">
        <CardHeader>
          <CardTitle>Bridges</CardTitle>
        </CardHeader>
        <CardBody className="text-sm text-slate-600 dark:text-slate-400">
          This host has no bridges: in {inventory.host.networkMode} mode each guest vif is reached through a host
          route, not a bridge.
        </CardBody>
      </Card>
    );
  }
  const domainOf = new Map(inventory.vifs.map((v) => [v.kernelName, v.domain]));
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      {inventory.bridges.map((bridge) => (
        <BridgeCard key={bridge.name} bridge={bridge} domainOf={domainOf} />
      ))}
    </div>
  );
}

function BridgeCard({ bridge, domainOf }: { bridge: TBridge; domainOf: Map<string, string> }) {
  const hasPhysical = bridge.ports.some((p) => p.kind === "physical");
  return (
    <Card aria-label={`Bridge ${bridge.name}`}>
      <CardHeader>
        <CardTitle className="font-mono">{bridge.name}</CardTitle>
        <div className="flex flex-wrap gap-1.5">
          {!hasPhysical && <Badge tone="neutral">internal</Badge>}
          {!hasPhysical && bridge.addresses.length > 0 && <Badge tone="info">brouter</Badge>}
          <Badge tone={bridge.stp ? "info" : "neutral"}>STP {bridge.stp ? "on" : "off"}</Badge>
          <Badge tone={bridge.operState === "up" ? "good" : "bad"}>{bridge.operState}</Badge>
        </div>
      </CardHeader>
      <CardBody className="space-y-2">
        <p className="text-xs text-slate-600 dark:text-slate-400">
          id <span className="font-mono">{bridge.bridgeId}</span> · MTU {bridge.mtu}
          {bridge.addresses.length > 0 && <> · {bridge.addresses.join(", ")}</>}
        </p>
        <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800" aria-label={`Ports of ${bridge.name}`}>
          {bridge.ports.map((port) => (
            <li key={port.name} className="flex items-center gap-2 py-1.5">
              <span className="text-slate-500 dark:text-slate-400">{PORT_ICON[port.kind]}</span>
              <span className="font-mono">{port.name}</span>
              {domainOf.get(port.name) && (
                <span className="text-slate-600 dark:text-slate-400">→ {domainOf.get(port.name)}</span>
              )}
              <Badge className="ml-auto" tone={stpTone(port.stpState)}>
                {port.stpState}
              </Badge>
            </li>
          ))}
          {bridge.ports.length === 0 && <li className="py-1.5 text-slate-500">No ports.</li>}
        </ul>
      </CardBody>
    </Card>
  );
}
