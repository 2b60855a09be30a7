import type { Metadata } from "next";

import { DomainConfigEditor } from "~/components/config-editor/domain-config-editor";
import { decodeSegment } from "~/components/vif/format";

type TProps = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: TProps): Promise<Metadata> {
  return { title: `Config of ${decodeSegment((await params).name)}` };
}

export default async function Page({ params }: TProps) {
  return <DomainConfigEditor name={decodeSegment((await params).name)} />;
}
