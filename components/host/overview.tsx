"use client";

import { useQuery } from "@tanstack/react-query";

import { HostSummary } from "~/components/host/host-summary";
import { OpenAlerts } from "~/components/host/open-alerts";
import { TopologyMap } from "~/components/topology/topology-map";
import { TopTalkers } from "~/components/traffic/top-talkers";
import { Card, CardBody } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/components/trpc-provider";

/** The host at a glance: facts and mode, counts, open alerts, the topology and the top talkers now. */
export function Overview() {
  const trpc = useTRPC();
  const topology = useQuery(trpc.bridge.topology.queryOptions(undefined, { refetchInterval: 10_000 }));

  if (topology.isPending) {
    return (
      <div className="space-y-4" role="status" aria-busy="true" aria-label="Loading the host">
        <Skeleton className="h-20" />
        <div className="grid gap-4 lg:grid-cols-2">
          <Skeleton className="h-40" />
          <Skeleton className="h-40" />
        </div>
        <Skeleton className="h-64" />
      </div>
    );
  }
  if (topology.isError) {
    return (
      <Card role="alert">
        <CardBody>
          <h1 className="font-semibold text-red-700 dark:text-red-400">Cannot read the host</h1>
          <p className="mt-1 text-sm">{topology.error.message}</p>
        </CardBody>
      </Card>
    );
  }
  return (
    <div className="space-y-4">
      <HostSummary topology={topology.data} />
      <div className="grid gap-4 xl:grid-cols-2">
        <OpenAlerts />
        <TopTalkers />
      </div>
      <TopologyMap topology={topology.data} />
    </div>
  );
}
