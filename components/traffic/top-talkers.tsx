"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { formatBitsPerSecond } from "~/components/charts/format";
import { Card, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, Td, Th, THead, Tr } from "~/components/ui/table";
import { useTRPC } from "~/components/trpc-provider";

import { DirectionNote } from "./direction-note";

/** The guest vifs moving the most right now (the last minute of collector ticks), by stable name. */
export function TopTalkers() {
  const trpc = useTRPC();
  const top = useQuery(trpc.traffic.topTalkers.queryOptions({ limit: 10 }, { refetchInterval: 10_000 }));
  return (
    <Card aria-label="Top talkers">
      <CardHeader className="flex-wrap">
        <CardTitle>Top talkers now</CardTitle>
        <span className="text-xs text-slate-600 dark:text-slate-400">{top.data && top.data.windowS > 0 ? `average of the last ${top.data.windowS} s` : "last minute"}</span>
      </CardHeader>
      <DirectionNote className="px-4 pt-2" />
      {top.isPending ? (
        <div className="p-4" role="status" aria-busy="true" aria-label="Loading the top talkers">
          <Skeleton className="h-40" />
        </div>
      ) : top.isError ? (
        <p role="alert" className="p-4 text-sm text-red-700 dark:text-red-400">
          Cannot read the top talkers: {top.error.message}
        </p>
      ) : top.data.talkers.length === 0 ? (
        <p role="status" className="p-4 text-sm text-slate-600 dark:text-slate-400">
          {top.data.lastTickAt === null ? "Waiting for the collector's first ticks…" : "No guest moved any traffic in the last minute."}
        </p>
      ) : (
        <Table aria-label="Top talkers now">
          <THead>
            <tr>
              <Th>Stable name</Th>
              <Th>Domain</Th>
              <Th>Bridge</Th>
              <Th className="text-right">In (received)</Th>
              <Th className="text-right">Out (sent)</Th>
            </tr>
          </THead>
          <tbody>
            {top.data.talkers.map((t) => (
              <Tr key={t.key}>
                <Td className="font-mono font-medium">
                  <Link
                    href={`/bandwidth?view=key&key=${encodeURIComponent(t.key)}`}
                    className="text-sky-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-sky-300"
                  >
                    {t.key}
                  </Link>
                </Td>
                <Td>{t.domain ?? "—"}</Td>
                <Td className="font-mono">{t.bridge ?? "routed"}</Td>
                <Td className="text-right tabular-nums">{formatBitsPerSecond(t.inBps)}</Td>
                <Td className="text-right tabular-nums">{formatBitsPerSecond(t.outBps)}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
