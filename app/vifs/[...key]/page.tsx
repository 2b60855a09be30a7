import type { Metadata } from "next";

import { VifFindings } from "~/components/security/vif-findings";
import { VifTrafficPanel } from "~/components/traffic/vif-traffic-panel";
import { decodeSegment } from "~/components/vif/format";
import { VifDetail } from "~/components/vif/vif-detail";
import { getQueryClient, HydrateClient, prefetchWithin, trpcServer } from "~/server/api/rsc";

type TProps = { params: Promise<{ key: string[] }> };

/** `/vifs/web1` or `/vifs/db1/1`: a stable name is a vifname or `<domain>/<devid>`. */
function keyOf(segments: string[]): string {
  return segments.map(decodeSegment).join("/");
}

export async function generateMetadata({ params }: TProps): Promise<Metadata> {
  return { title: `Vif ${keyOf((await params).key)}` };
}

export default async function Page({ params }: TProps) {
  const key = keyOf((await params).key);
  // The vif's facts come with the HTML, and its findings when the security posture is at hand
  // (see security.ts); its incarnations and charts come after.
  const queryClient = getQueryClient();
  await prefetchWithin([
    queryClient.prefetchQuery(trpcServer.vif.get.queryOptions({ key })),
    queryClient.prefetchQuery(trpcServer.security.findingsOfVif.queryOptions({ key })),
  ]);
  return (
    <HydrateClient>
      <VifDetail vifKey={key} traffic={<VifTrafficPanel stableName={key} />} findings={<VifFindings vifKey={key} />} />
    </HydrateClient>
  );
}
