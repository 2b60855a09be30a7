"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";

import { AdminOnly } from "~/components/auth/session-context";
import { useTRPC } from "~/components/trpc-provider";
import { EmptyState } from "~/components/ui/empty-state";
import { Skeleton } from "~/components/ui/skeleton";

import { AttachVifDialog } from "./attach-vif-dialog";
import { toVifRows } from "./vif-rows";
import { VifsTable } from "./vifs-table";

const RATE_SOURCE = {
  accounting: "rates from the collector's last 20 seconds",
  counters: "rates from the kernel counters (the collector has not written any yet)",
  none: "no rates yet (they appear on the next refresh)",
} as const;

/** Every vif of the host in one virtualised table: fetched once, sorted, filtered and searched in the browser. */
export function VifsPage({ initialBridge = "", initialQuery = "" }: { initialBridge?: string; initialQuery?: string }) {
  const trpc = useTRPC();
  // Column by column (see vif.table); structural sharing would compare 8,000 rows field by field on
  // every refetch only to find them new, so each answer simply replaces the last.
  const list = useQuery(trpc.vif.table.queryOptions(undefined, { refetchInterval: 15_000, structuralSharing: false }));
  const rows = useMemo(() => (list.data ? toVifRows(list.data.columns, list.data.count) : []), [list.data]);
  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Vifs</h1>
          <p className="max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            Every guest interface on this host, by kernel name and by stable name (its vifname, else domain/devid), which keeps its traffic one series across
            reboots.
            {list.data && (
              <>
                {" "}
                Networking: {list.data.networkMode} mode · {RATE_SOURCE[list.data.ratesFrom]}
                {list.data.period ? ` · totals for billing period ${list.data.period}` : ""}.
              </>
            )}
          </p>
        </div>
        <AdminOnly>
          <AttachVifDialog />
        </AdminOnly>
      </header>
      {list.isPending ? (
        <div className="space-y-2" role="status" aria-busy="true" aria-label="Loading the vifs">
          <Skeleton className="h-9 w-full max-w-xl" />
          <Skeleton className="h-[60vh] w-full" />
        </div>
      ) : list.isError ? (
        <EmptyState title="Cannot read the vifs" tone="error">
          {list.error.message}
        </EmptyState>
      ) : (
        <VifsTable vifs={rows} bridges={list.data.bridges} initialBridge={initialBridge} initialQuery={initialQuery} />
      )}
    </div>
  );
}
