import type { Metadata } from "next";

import { Overview } from "~/components/host/overview";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const queryClient = getQueryClient();
  // The open alerts come with the HTML when the security posture is at hand (it is kept for a
  // minute, see security.ts); computing it takes the agent seconds on a big host, longer than the
  // page waits, and then the browser asks for them itself.
  await prefetchWithin([
    queryClient.prefetchQuery(trpcServer.bridge.topology.queryOptions()),
    queryClient.prefetchQuery(trpcServer.traffic.topTalkers.queryOptions({ limit: 10 })),
    queryClient.prefetchQuery(trpcServer.security.alerts.queryOptions()),
  ]);
  return (
    <HydrateClient>
      <Overview />
    </HydrateClient>
  );
}
