import type { Metadata } from "next";

import { BandwidthNav } from "~/components/traffic/bandwidth-nav";
import { BandwidthView, type BandwidthViewKind } from "~/components/traffic/bandwidth-view";

export const metadata: Metadata = { title: "Bandwidth" };

export default async function BandwidthPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const view: BandwidthViewKind = params.view === "key" || params.view === "bridge" ? params.view : params.key ? "key" : "domain";
  const key = typeof params.key === "string" && params.key.length > 0 ? params.key : null;
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Bandwidth</h1>
      <BandwidthNav />
      <BandwidthView initialView={view} initialKey={key} />
    </div>
  );
}
