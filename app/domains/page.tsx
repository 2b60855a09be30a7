import type { Metadata } from "next";

import { DomainsTable } from "~/components/domain/domains-table";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

export const metadata: Metadata = { title: "Domains" };

export default async function Page() {
  await prefetchWithin([getQueryClient().prefetchQuery(trpcServer.domain.list.queryOptions())]);
  return (
    <div className="space-y-4">
      <header>
        <h1 className="text-xl font-semibold tracking-tight">Domains</h1>
        <p className="max-w-3xl text-sm text-slate-600 dark:text-slate-400">
          The running guests, and the config files in the config directory that no running guest uses. Open one to compare its vifs as running with its
          config file.
        </p>
      </header>
      <HydrateClient>
        <DomainsTable />
      </HydrateClient>
    </div>
  );
}
