import { Badge } from "~/components/ui/badge";
import { Card, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, Td, Th, THead, Tr } from "~/components/ui/table";
import type { TVif } from "~/server/host/inventory";

export function VifTable({ vifs, stableNames }: { vifs: TVif[]; stableNames: Record<string, string> }) {
  const sorted = [...vifs].sort((a, b) => a.domain.localeCompare(b.domain) || a.devid - b.devid || (a.kind === "vif" ? -1 : 1) - (b.kind === "vif" ? -1 : 1));
  return (
    <Card aria-label="Vifs">
      <CardHeader>
        <CardTitle>Guest vifs</CardTitle>
        <span className="text-xs text-slate-600 dark:text-slate-400">{vifs.length} interfaces</span>
      </CardHeader>
      <Table aria-label="Guest virtual interfaces">
        <THead>
          <tr>
            <Th>Kernel name</Th>
            <Th>Stable name</Th>
            <Th>Domain</Th>
            <Th className="text-right">Devid</Th>
            <Th>MAC</Th>
            <Th>IP</Th>
            <Th>Bridge</Th>
            <Th>State</Th>
          </tr>
        </THead>
        <tbody>
          {sorted.map((vif) => (
            <Tr key={vif.kernelName}>
              <Td className="font-mono">
                {vif.kernelName}
                {vif.kind === "emu" && (
                  <Badge className="ml-2" tone="neutral" title="the HVM guest's emulated NIC, counted with its vif">
                    emu
                  </Badge>
                )}
              </Td>
              <Td className="font-mono font-medium">{stableNames[vif.kernelName] ?? "—"}</Td>
              <Td>
                {vif.domain} <span className="text-slate-500 dark:text-slate-400">(domid {vif.domid})</span>
              </Td>
              <Td className="text-right tabular-nums">{vif.devid}</Td>
              <Td className="font-mono text-xs">{vif.mac}</Td>
              <Td className="font-mono text-xs">{vif.ips.join(" ") || "—"}</Td>
              <Td className="font-mono">{vif.bridge ?? <span className="text-slate-500">routed</span>}</Td>
              <Td>
                <Badge tone={vif.operState === "up" ? "good" : "bad"}>{vif.operState}</Badge>
              </Td>
            </Tr>
          ))}
        </tbody>
      </Table>
      {vifs.length === 0 && <p className="p-4 text-sm text-slate-600 dark:text-slate-400">No guest is running.</p>}
    </Card>
  );
}
