import type { Metadata } from "next";

import { DomainDetail } from "~/components/domain/domain-detail";
import { decodeSegment } from "~/components/vif/format";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

type TProps = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: TProps): Promise<Metadata> {
  return { title: `Domain ${decodeSegment((await params).name)}` };
}

export default async function Page({ params }: TProps) {
  const name = decodeSegment((await params).name);
  await prefetchWithin([getQueryClient().prefetchQuery(trpcServer.domain.get.queryOptions({ name }))]);
  return (
    <HydrateClient>
      <DomainDetail name={name} />
    </HydrateClient>
  );
}
