"use client";

import { HistoryTrafficCard } from "./history-traffic-card";
import { IncarnationHistory } from "./incarnation-history";
import { LiveTrafficCard } from "./live-traffic-card";

/**
 * The bandwidth of one guest vif by its stable name, for the vif page: the
 * live chart, the history with its range picker, and the incarnation history
 * (the vif<domid>.<n> names it has had across reboots).
 */
export function VifTrafficPanel({ stableName }: { stableName: string }) {
  const target = { view: "key" as const, key: stableName };
  return (
    <div className="space-y-4">
      <LiveTrafficCard target={target} title={stableName} />
      <HistoryTrafficCard target={target} title={stableName} />
      <IncarnationHistory stableName={stableName} />
    </div>
  );
}
