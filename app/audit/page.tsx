import type { Metadata } from "next";

import { AuditLog } from "~/components/audit/audit-log";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

export const metadata: Metadata = { title: "Audit" };

export default async function AuditPage() {
  // The newest page of the log, unfiltered: what AuditLog shows first.
  await prefetchWithin([getQueryClient().prefetchQuery(trpcServer.audit.list.queryOptions({ filter: {}, limit: 100 }))]);
  return (
    <HydrateClient>
      <AuditLog />
    </HydrateClient>
  );
}
