"use client";

import { useQuery } from "@tanstack/react-query";
import { ShieldAlert } from "lucide-react";
import Link from "next/link";

import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { Card, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { formatBytesOrDash, hrefOfVif } from "~/components/vif/format";

const TONE = { critical: "bad", warning: "warn", info: "info", ok: "good" } as const;

/** Open alerts: the security posture's worst findings and the quota thresholds crossed this billing period. */
export function OpenAlerts() {
  const trpc = useTRPC();
  const alerts = useQuery(trpc.security.alerts.queryOptions(undefined, { refetchInterval: 30_000 }));
  return (
    <Card aria-label="Open alerts">
      <CardHeader>
        <CardTitle>Open alerts</CardTitle>
        <Link href="/security" className="text-xs text-sky-800 hover:underline dark:text-sky-300">
          Security page
        </Link>
      </CardHeader>
      {alerts.isPending ? (
        <div className="p-4" role="status" aria-busy="true" aria-label="Loading the alerts">
          <Skeleton className="h-32" />
        </div>
      ) : alerts.isError ? (
        <p role="alert" className="p-4 text-sm text-red-700 dark:text-red-400">
          Cannot read the alerts: {alerts.error.message}
        </p>
      ) : (
        <div className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
          <div className="px-4 py-3">
            <h3 className="flex items-center gap-2 font-medium">
              <ShieldAlert className="size-4 text-slate-500" aria-hidden />
              Security findings
              {alerts.data.security && (
                <span className="ml-auto flex gap-1.5">
                  <Badge tone="bad">{alerts.data.security.counts.critical} critical</Badge>
                  <Badge tone="warn">{alerts.data.security.counts.warning} warning</Badge>
                </span>
              )}
            </h3>
            {alerts.data.security ? (
              alerts.data.security.top.length === 0 ? (
                <p className="mt-1 text-slate-600 dark:text-slate-400">Nothing open: every check passed.</p>
              ) : (
                <ul className="mt-2 space-y-1" aria-label="Worst security findings">
                  {alerts.data.security.top.map((f, i) => (
                    <li key={`${f.id}-${f.target.name}-${i}`} className="flex items-start gap-2">
                      <Badge tone={TONE[f.severity]}>{f.severity}</Badge>
                      <span className="min-w-0">
                        {f.title}
                        {f.scope === "vif" && (
                          <>
                            {" "}
                            <Link href={hrefOfVif(f.target.name)} prefetch={false} className="font-mono text-xs text-sky-800 hover:underline dark:text-sky-300">
                              {f.target.name}
                            </Link>
                          </>
                        )}
                      </span>
                    </li>
                  ))}
                </ul>
              )
            ) : (
              <p className="mt-1 text-amber-800 dark:text-amber-300">The posture could not be read: {alerts.data.securityError}</p>
            )}
          </div>
          <div className="px-4 py-3">
            <h3 className="font-medium">Quota crossings in {alerts.data.period}</h3>
            {alerts.data.quotaError ? (
              <p className="mt-1 text-amber-800 dark:text-amber-300">The quotas could not be read: {alerts.data.quotaError}</p>
            ) : alerts.data.quotaCrossings.length === 0 ? (
              <p className="mt-1 text-slate-600 dark:text-slate-400">No vif has crossed a quota threshold this period.</p>
            ) : (
              <ul className="mt-2 space-y-1" aria-label="Quota crossings">
                {alerts.data.quotaCrossings.map((q) => (
                  <li key={`${q.key}-${q.threshold}`} className="flex items-center gap-2">
                    <Badge tone={q.threshold >= 100 ? "bad" : "warn"}>{q.threshold}%</Badge>
                    <Link href={hrefOfVif(q.key)} prefetch={false} className="font-mono text-sky-800 hover:underline dark:text-sky-300">
                      {q.key}
                    </Link>
                    <span className="ml-auto text-xs text-slate-600 tabular-nums dark:text-slate-400">
                      {formatBytesOrDash(q.usedBytes)} of {formatBytesOrDash(q.quotaBytes)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}
    </Card>
  );
}
