import type { Metadata } from "next";

import { VifsPage } from "~/components/vif/vifs-page";

export const metadata: Metadata = { title: "Vifs" };

type TProps = { searchParams: Promise<{ bridge?: string | string[]; q?: string | string[] }> };

export default async function Page({ searchParams }: TProps) {
  const { bridge, q } = await searchParams;
  return <VifsPage initialBridge={typeof bridge === "string" ? bridge : ""} initialQuery={typeof q === "string" ? q : ""} />;
}
