import type { Metadata } from "next";

import { TokensPanel } from "~/components/settings/tokens-panel";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage() {
  await prefetchWithin([getQueryClient().prefetchQuery(trpcServer.token.list.queryOptions())]);
  return (
    <HydrateClient>
      <TokensPanel />
    </HydrateClient>
  );
}
