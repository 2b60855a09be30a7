import type { Metadata } from "next";

import { Overview } from "~/components/host/overview";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const queryClient = getQueryClient();
  // The topology and the top talkers come with the HTML. The open alerts do not: the agent's
  // security posture is slow on a big host, and the page should not wait for it.
  await prefetchWithin([
    queryClient.prefetchQuery(trpcServer.bridge.topology.queryOptions()),
    queryClient.prefetchQuery(trpcServer.traffic.topTalkers.queryOptions({ limit: 10 })),
  ]);
  return (
    <HydrateClient>
      <Overview />
    </HydrateClient>
  );
}
