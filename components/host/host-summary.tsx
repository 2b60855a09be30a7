import { Badge } from "~/components/ui/badge";
import { Card, CardBody } from "~/components/ui/card";
import type { TTopology } from "~/server/api/routers/bridge";

const MODE_LABEL = {
  bridge: "bridged (network-bridge, vif-bridge)",
  route: "routed (network-route, vif-route)",
  nat: "NAT (network-nat, vif-nat)",
} as const;

export function HostSummary({ topology }: { topology: TTopology }) {
  const { host, counts } = topology;
  const facts = [
    { label: "Guests running", value: counts.guests },
    { label: "Guest vifs", value: counts.guestVifs },
    { label: "Vifs down", value: counts.vifsDown },
    { label: "Bridges", value: counts.bridges },
    { label: "Physical NICs", value: counts.nics },
  ];
  return (
    <Card aria-label="Host">
      <CardBody className="flex flex-wrap items-center gap-x-8 gap-y-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">{host.hostname}</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Xen {host.xenVersion} · Linux {host.kernel} · networking {MODE_LABEL[host.networkMode]}
          </p>
        </div>
        <div className="flex gap-2">
          <Badge tone="info">mode: {host.networkMode}</Badge>
          {host.driver === "sim" ? <Badge tone="warn">simulated host</Badge> : <Badge tone="good">xl toolstack</Badge>}
        </div>
        <dl className="ml-auto grid grid-cols-5 gap-6">
          {facts.map((fact) => (
            <div key={fact.label}>
              <dt className="text-xs text-slate-600 dark:text-slate-400">{fact.label}</dt>
              <dd className="text-lg font-semibold tabular-nums">{fact.value.toLocaleString("en")}</dd>
            </div>
          ))}
        </dl>
      </CardBody>
    </Card>
  );
}
