"use client";

import { useQuery } from "@tanstack/react-query";

import { BridgeList } from "~/components/bridge/bridge-list";
import { HostSummary } from "~/components/host/host-summary";
import { Card, CardBody } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/components/trpc-provider";
import { VifTable } from "~/components/vif/vif-table";

export function Overview() {
  const trpc = useTRPC();
  const overview = useQuery(trpc.host.overview.queryOptions(undefined, { refetchInterval: 5_000 }));

  if (overview.isPending) {
    return (
      <div className="space-y-4" aria-busy="true" aria-label="Loading the host">
        <Skeleton className="h-20" />
        <div className="grid gap-4 lg:grid-cols-2">
          <Skeleton className="h-48" />
          <Skeleton className="h-48" />
        </div>
        <Skeleton className="h-64" />
      </div>
    );
  }
  if (overview.isError) {
    return (
      <Card role="alert">
        <CardBody>
          <h1 className="font-semibold text-red-700 dark:text-red-400">Cannot read the host</h1>
          <p className="mt-1 text-sm">{overview.error.message}</p>
        </CardBody>
      </Card>
    );
  }
  const { inventory, stableNames } = overview.data;
  return (
    <div className="space-y-4">
      <HostSummary inventory={inventory} />
      <BridgeList inventory={inventory} />
      <VifTable vifs={inventory.vifs} stableNames={stableNames} />
    </div>
  );
}
