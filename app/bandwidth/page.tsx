import type { Metadata } from "next";

import { BandwidthNav } from "~/components/traffic/bandwidth-nav";
import { BandwidthView, type BandwidthViewKind } from "~/components/traffic/bandwidth-view";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

export const metadata: Metadata = { title: "Bandwidth" };

export default async function BandwidthPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const view: BandwidthViewKind = params.view === "key" || params.view === "bridge" ? params.view : params.key ? "key" : "domain";
  const key = typeof params.key === "string" && params.key.length > 0 ? params.key : null;
  // The charts' data comes with the HTML: the live card's last hour and the history card's first
  // range (24 h). The one-key view without a key asks the store for a first key in the browser.
  const target = view === "key" ? (key ? { view, key } : null) : { view };
  if (target) {
    const queryClient = getQueryClient();
    await prefetchWithin([
      queryClient.prefetchQuery(trpcServer.traffic.series.queryOptions({ target, range: "1h" })),
      queryClient.prefetchQuery(trpcServer.traffic.series.queryOptions({ target, range: "24h" })),
    ]);
  }
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Bandwidth</h1>
      <BandwidthNav />
      <HydrateClient>
        <BandwidthView initialView={view} initialKey={key} />
      </HydrateClient>
    </div>
  );
}
