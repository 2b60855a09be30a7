"use client";

import { useQuery } from "@tanstack/react-query";

import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";

import { FindingCard, SEVERITY_TONE } from "./finding-card";

const ANTISPOOF = {
  protected: "protected: rules pin it to its addresses",
  "rule-missing": "rule missing",
  impossible: "impossible: no ip=",
  inert: "inert: the host does not filter this traffic",
  unknown: "unknown",
} as const;

/** One vif's security findings, for its page. */
export function VifFindings({ vifKey }: { vifKey: string }) {
  const trpc = useTRPC();
  const result = useQuery(trpc.security.findingsOfVif.queryOptions({ key: vifKey }, { refetchInterval: 30_000 }));
  return (
    <Card aria-label="Security findings">
      <CardHeader>
        <CardTitle>Security findings</CardTitle>
        {result.data?.vif && (
          <span className="flex items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
            antispoofing: {ANTISPOOF[result.data.vif.antispoof]}
            <Badge tone={SEVERITY_TONE[result.data.vif.severity]}>{result.data.vif.severity}</Badge>
          </span>
        )}
      </CardHeader>
      <CardBody className="space-y-2">
        {result.isPending ? (
          <div role="status" aria-busy="true" aria-label="Loading the findings"><Skeleton className="h-20" /></div>
        ) : result.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            Cannot read the security posture: {result.error.message}
          </p>
        ) : result.data.findings.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No finding for this vif{result.data.vif ? `: ${result.data.vif.antispoofReason}` : "."}</p>
        ) : (
          result.data.findings.map((f, i) => <FindingCard key={`${f.id}-${i}`} finding={f} />)
        )}
      </CardBody>
    </Card>
  );
}
