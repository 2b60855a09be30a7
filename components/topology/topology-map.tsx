import { ArrowRight, Cable, Cpu, Globe, Monitor, Route, Server } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";

import { Badge } from "~/components/ui/badge";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import { hrefOfVif } from "~/components/vif/format";
import type { TTopology, TTopologyBridge } from "~/server/api/routers/bridge";

type TPort = TTopologyBridge["hostPorts"][number];

const PORT_ICON = {
  physical: <Cable className="size-4" role="img" aria-label="physical NIC" />,
  dom0: <Server className="size-4" role="img" aria-label="dom0" />,
  vif: <Cpu className="size-4" role="img" aria-label="guest vif" />,
  emu: <Monitor className="size-4" role="img" aria-label="emulated NIC" />,
  other: <Cable className="size-4" role="img" aria-label="interface" />,
} as const;

function stpTone(state: TPort["stpState"]) {
  if (state === "forwarding") return "good" as const;
  if (state === "blocking" || state === "disabled") return "bad" as const;
  return "warn" as const;
}

/**
 * The host's network as a picture, left to right: what connects it to the
 * world, then the bridges (or, in route and nat mode, dom0's routing), then
 * the ports and the domains behind them, each with its STP state.
 */
export function TopologyMap({ topology }: { topology: TTopology }) {
  const mode = topology.host.networkMode;
  const freeNics = topology.nics.filter((n) => n.master === null);
  return (
    <Card aria-label="Topology">
      <CardHeader>
        <CardTitle>Topology</CardTitle>
        <span className="text-xs text-slate-600 dark:text-slate-400">
          {mode === "bridge" ? "uplink → bridge → ports → domains" : `uplink → dom0 (${mode === "nat" ? "routing + masquerade" : "routing"}) → guest vifs`}
        </span>
      </CardHeader>
      <CardBody className="space-y-4">
        {topology.bridges.map((bridge) => (
          <BridgeRow key={bridge.name} bridge={bridge} nics={topology.nics} />
        ))}
        {(mode !== "bridge" || topology.routed.count > 0) && <RoutedRow topology={topology} uplinks={freeNics} />}
        {topology.bridges.length === 0 && mode === "bridge" && (
          <p className="text-sm text-slate-600 dark:text-slate-400">This host has no bridge.</p>
        )}
      </CardBody>
    </Card>
  );
}

function Column({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  return (
    <div className={className}>
      <h3 className="mb-1.5 text-[11px] font-medium tracking-wide text-slate-600 uppercase dark:text-slate-400">{title}</h3>
      {children}
    </div>
  );
}

function Arrow() {
  return <ArrowRight className="mt-7 size-4 shrink-0 text-slate-400" aria-hidden />;
}

function BridgeRow({ bridge, nics }: { bridge: TTopologyBridge; nics: TTopology["nics"] }) {
  const physical = bridge.hostPorts.filter((p) => p.kind === "physical");
  const hostSide = bridge.hostPorts.filter((p) => p.kind !== "physical");
  const more = bridge.guestPortCount - bridge.guestPorts.length;
  const notForwarding = bridge.guestPortCount - bridge.guestStp.forwarding;
  return (
    <section aria-label={`Bridge ${bridge.name}`} className="flex items-start gap-3 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
      <Column title="Uplink" className="w-40 shrink-0">
        {physical.length > 0 ? (
          <ul className="space-y-1 text-sm">
            {physical.map((p) => (
              <li key={p.name} className="flex items-center gap-1.5">
                <Globe className="size-4 text-slate-500" aria-hidden />
                <span className="font-mono">{p.name}</span>
                <Badge tone={stpTone(p.stpState)}>{p.stpState}</Badge>
              </li>
            ))}
          </ul>
        ) : bridge.role === "brouter" ? (
          <p className="text-xs text-slate-600 dark:text-slate-400">
            none: dom0 routes for it ({bridge.addresses.join(", ")}
            {nics.find((n) => n.master === null) ? ` via ${nics.find((n) => n.master === null)?.name}` : ""})
          </p>
        ) : (
          <p className="text-xs text-slate-600 dark:text-slate-400">none: guests on it reach only each other and dom0</p>
        )}
      </Column>
      <Arrow />
      <Column title="Bridge" className="w-52 shrink-0">
        <div className="rounded-md border-2 border-sky-600/60 bg-sky-50 px-2.5 py-2 dark:border-sky-500/50 dark:bg-sky-950/40">
          <p className="font-mono font-semibold">{bridge.name}</p>
          <div className="mt-1 flex flex-wrap gap-1">
            {bridge.role !== "uplink" && <Badge tone="neutral">internal</Badge>}
            {bridge.role === "brouter" && <Badge tone="info">brouter</Badge>}
            <Badge tone={bridge.stp ? "info" : "neutral"}>STP {bridge.stp ? "on" : "off"}</Badge>
            <Badge tone={bridge.operState === "up" ? "good" : "bad"}>{bridge.operState}</Badge>
          </div>
          <p className="mt-1 text-[11px] text-slate-600 dark:text-slate-400">
            id <span className="font-mono">{bridge.bridgeId}</span> · MTU {bridge.mtu}
            {bridge.addresses.length > 0 && <> · {bridge.addresses.join(", ")}</>}
          </p>
        </div>
      </Column>
      <Arrow />
      <Column title={`Ports → domains (${bridge.guestPortCount.toLocaleString("en")} guest ports, ${bridge.guestDomainCount.toLocaleString("en")} domains)`} className="min-w-0 flex-1">
        <ul className="grid grid-cols-1 gap-x-4 text-sm xl:grid-cols-2" aria-label={`Ports of ${bridge.name}`}>
          {[...physical, ...hostSide, ...bridge.guestPorts].map((port) => (
            <li key={port.name} className="flex min-w-0 items-center gap-1.5 border-b border-slate-100 py-1 dark:border-slate-800">
              <span className="text-slate-500 dark:text-slate-400">{PORT_ICON[port.kind]}</span>
              {port.key ? (
                <Link href={hrefOfVif(port.key)} prefetch={false} className="truncate font-mono hover:underline">
                  {port.name}
                </Link>
              ) : (
                <span className="truncate font-mono">{port.name}</span>
              )}
              {port.domain && <span className="truncate text-slate-600 dark:text-slate-400">→ {port.domain}</span>}
              <Badge className="ml-auto" tone={stpTone(port.stpState)}>
                {port.stpState}
              </Badge>
            </li>
          ))}
        </ul>
        {(more > 0 || notForwarding > 0) && (
          <p className="mt-1.5 text-xs text-slate-600 dark:text-slate-400">
            {more > 0 && (
              <Link href={`/vifs?bridge=${encodeURIComponent(bridge.name)}`} className="text-sky-800 hover:underline dark:text-sky-300">
                {more.toLocaleString("en")} more guest ports
              </Link>
            )}
            {more > 0 && " · "}
            STP: {bridge.guestStp.forwarding.toLocaleString("en")} forwarding
            {notForwarding > 0 && `, ${notForwarding.toLocaleString("en")} not forwarding (${Object.entries(bridge.guestStp).filter(([k, v]) => k !== "forwarding" && v > 0).map(([k, v]) => `${v} ${k}`).join(", ")})`}
          </p>
        )}
      </Column>
    </section>
  );
}

function RoutedRow({ topology, uplinks }: { topology: TTopology; uplinks: TTopology["nics"] }) {
  const { routed, host } = topology;
  const more = routed.count - routed.sample.length;
  return (
    <section aria-label="Routed guests" className="flex items-start gap-3 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
      <Column title="Uplink" className="w-40 shrink-0">
        <ul className="space-y-1 text-sm">
          {uplinks.map((n) => (
            <li key={n.name}>
              <span className="flex items-center gap-1.5">
                <Globe className="size-4 text-slate-500" aria-hidden />
                <span className="font-mono">{n.name}</span>
                <Badge tone={n.operState === "up" ? "good" : "bad"}>{n.operState}</Badge>
              </span>
              {n.addresses.length > 0 && <span className="block pl-5 text-xs text-slate-600 dark:text-slate-400">{n.addresses.join(", ")}</span>}
            </li>
          ))}
          {uplinks.length === 0 && <li className="text-xs text-slate-600 dark:text-slate-400">no NIC outside a bridge</li>}
        </ul>
      </Column>
      <Arrow />
      <Column title="dom0" className="w-52 shrink-0">
        <div className="rounded-md border-2 border-violet-600/60 bg-violet-50 px-2.5 py-2 dark:border-violet-500/50 dark:bg-violet-950/40">
          <p className="flex items-center gap-1.5 font-semibold">
            <Route className="size-4" aria-hidden />
            {host.networkMode === "nat" ? "routes and masquerades" : "routes"}
          </p>
          <p className="mt-1 text-[11px] text-slate-600 dark:text-slate-400">
            {host.vifScript}: a host route and FORWARD rules per guest address{host.networkMode === "nat" ? "; guests leave the host behind dom0's address" : ""}.
          </p>
        </div>
      </Column>
      <Arrow />
      <Column title={`Guest vifs (${routed.count.toLocaleString("en")})`} className="min-w-0 flex-1">
        <ul className="grid grid-cols-1 gap-x-4 text-sm xl:grid-cols-2" aria-label="Routed vifs">
          {routed.sample.map((v) => (
            <li key={v.kernelName} className="flex min-w-0 items-center gap-1.5 border-b border-slate-100 py-1 dark:border-slate-800">
              <Cpu className="size-4 text-slate-500" role="img" aria-label="guest vif" />
              <Link href={hrefOfVif(v.key)} prefetch={false} className="truncate font-mono hover:underline">
                {v.kernelName}
              </Link>
              <span className="truncate text-slate-600 dark:text-slate-400">→ {v.domain}</span>
              <span className="ml-auto font-mono text-xs">{v.ips.join(" ") || <Badge tone="bad">no ip=</Badge>}</span>
            </li>
          ))}
        </ul>
        <p className="mt-1.5 text-xs text-slate-600 dark:text-slate-400">
          {more > 0 && (
            <Link href="/vifs" className="text-sky-800 hover:underline dark:text-sky-300">
              {more.toLocaleString("en")} more
            </Link>
          )}
          {more > 0 && " · "}
          {routed.withoutIp > 0 ? `${routed.withoutIp} without ip=: no route and no antispoofing for them` : "every routed vif has ip="}
        </p>
      </Column>
    </section>
  );
}
