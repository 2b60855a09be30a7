import type { Metadata } from "next";

import { AccountingTable } from "~/components/traffic/accounting-table";
import { BandwidthNav } from "~/components/traffic/bandwidth-nav";

export const metadata: Metadata = { title: "Monthly accounting" };

export default function AccountingPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Bandwidth</h1>
      <BandwidthNav />
      <AccountingTable />
    </div>
  );
}
