import type { Metadata } from "next";

import { UsersPanel } from "~/components/settings/users-panel";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  await prefetchWithin([getQueryClient().prefetchQuery(trpcServer.user.list.queryOptions())]);
  return (
    <HydrateClient>
      <UsersPanel />
    </HydrateClient>
  );
}
