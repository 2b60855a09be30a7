import type { Metadata } from "next";

import { DomainDetail } from "~/components/domain/domain-detail";
import { decodeSegment } from "~/components/vif/format";

type TProps = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: TProps): Promise<Metadata> {
  return { title: `Domain ${decodeSegment((await params).name)}` };
}

export default async function Page({ params }: TProps) {
  return <DomainDetail name={decodeSegment((await params).name)} />;
}
