"use client";

import { useQuery } from "@tanstack/react-query";

import { Badge } from "~/components/ui/badge";
import { Card, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, Td, Th, THead, Tr } from "~/components/ui/table";
import { useTRPC } from "~/components/trpc-provider";

const WHEN = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

function formatWhen(ms: number): string {
  return WHEN.format(new Date(ms));
}

const END_REASONS: Record<string, string> = { gone: "disappeared", replaced: "replaced", detached: "detached" };

/** "web1 was vif6.0 until 10:02, vif7.0 since 10:03": every kernel interface a stable name has had, newest first. */
export function IncarnationHistory({ stableName }: { stableName: string }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.traffic.incarnations.queryOptions({ key: stableName }, { refetchInterval: 30_000 }));
  const entries = history.data ?? [];
  const sentence = entries
    .slice(0, 3)
    .map((e) => (e.endedAt === null ? `${e.kernelName} since ${formatWhen(e.firstSeenAt)}` : `was ${e.kernelName} until ${formatWhen(e.endedAt)}`))
    .join(", ");
  return (
    <Card aria-label={`Incarnations of ${stableName}`}>
      <CardHeader>
        <CardTitle>Incarnation history</CardTitle>
        <span className="text-xs text-slate-600 dark:text-slate-400">the kernel interfaces behind the stable name</span>
      </CardHeader>
      {history.isPending ? (
        <div className="p-4" role="status" aria-busy="true" aria-label="Loading the incarnation history">
          <Skeleton className="h-24" />
        </div>
      ) : history.isError ? (
        <p role="alert" className="p-4 text-sm text-red-700 dark:text-red-400">
          Cannot read the incarnation history: {history.error.message}
        </p>
      ) : entries.length === 0 ? (
        <p role="status" className="p-4 text-sm text-slate-600 dark:text-slate-400">
          The collector has not seen <span className="font-mono">{stableName}</span> yet.
        </p>
      ) : (
        <>
          <p className="px-4 pt-3 text-sm" data-testid="incarnation-sentence">
            <span className="font-mono font-medium">{stableName}</span> {sentence}.
          </p>
          <Table aria-label={`Kernel interfaces of ${stableName}`}>
            <THead>
              <tr>
                <Th>Kernel name</Th>
                <Th className="text-right">Domid</Th>
                <Th className="text-right">Ifindex</Th>
                <Th>Bridge</Th>
                <Th>MAC</Th>
                <Th>From</Th>
                <Th>Until</Th>
              </tr>
            </THead>
            <tbody>
              {entries.map((e) => (
                <Tr key={`${e.kernelName}-${e.ifindex}-${e.firstSeenAt}`}>
                  <Td className="font-mono">{e.kernelName}</Td>
                  <Td className="text-right tabular-nums">{e.domid ?? "—"}</Td>
                  <Td className="text-right tabular-nums">{e.ifindex}</Td>
                  <Td className="font-mono">{e.bridge ?? <span className="text-slate-600 dark:text-slate-400">routed</span>}</Td>
                  <Td className="font-mono text-xs">{e.mac ?? "—"}</Td>
                  <Td className="tabular-nums">{formatWhen(e.firstSeenAt)}</Td>
                  <Td>
                    {e.endedAt === null ? (
                      <Badge tone="good">current</Badge>
                    ) : (
                      <span className="tabular-nums">
                        {formatWhen(e.endedAt)} <span className="text-slate-600 dark:text-slate-400">({END_REASONS[e.endReason ?? ""] ?? e.endReason ?? "ended"})</span>
                      </span>
                    )}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </Card>
  );
}
