"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";

import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { EmptyState } from "~/components/ui/empty-state";
import { Skeleton } from "~/components/ui/skeleton";
import type { TFinding, TSecurityPosture } from "~/server/host/security/posture";

import { FindingCard, SEVERITIES, SEVERITY_LABEL, SEVERITY_TONE } from "./finding-card";

type TGroup = { finding: TFinding; targets: string[] };

/** Vif findings of one kind together: one card per finding id, with the vifs it concerns. */
function groupVifFindings(findings: TFinding[]): TGroup[] {
  const byId = new Map<string, TGroup>();
  for (const f of findings) {
    const g = byId.get(f.id);
    if (g) g.targets.push(f.target.name);
    else byId.set(f.id, { finding: f, targets: [f.target.name] });
  }
  return [...byId.values()];
}

/** The agent's posture checks, per host and per vif, grouped by severity, each with why and how to fix. */
export function SecurityPage() {
  const trpc = useTRPC();
  const posture = useQuery(trpc.security.posture.queryOptions(undefined, { refetchInterval: 30_000 }));
  return (
    <div className="space-y-4">
      <header>
        <h1 className="text-xl font-semibold tracking-tight">Security</h1>
        <p className="max-w-3xl text-sm text-slate-600 dark:text-slate-400">
          What stops a guest from spoofing another&apos;s address or taking its traffic: the FORWARD policy, bridge traffic through iptables, the per-vif
          antispoof rules (which need ip=), unique MACs and short vifnames. Each finding says why it matters and how to fix it.
        </p>
      </header>
      {posture.isPending ? (
        <div role="status" aria-busy="true" aria-label="Loading the security posture" className="space-y-3">
          <Skeleton className="h-12" />
          <Skeleton className="h-64" />
        </div>
      ) : posture.isError ? (
        <EmptyState title="Cannot read the security posture" tone="error">
          {posture.error.message}
        </EmptyState>
      ) : (
        <PostureView posture={posture.data} />
      )}
    </div>
  );
}

function PostureView({ posture }: { posture: TSecurityPosture }) {
  const host = useMemo(() => posture.findings.filter((f) => f.scope === "host"), [posture]);
  const vif = useMemo(() => posture.findings.filter((f) => f.scope === "vif"), [posture]);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-2" role="status">
        <span className="text-sm">
          <span className="font-mono">{posture.host}</span> in {posture.mode} mode:
        </span>
        {SEVERITIES.map((s) => (
          <Badge key={s} tone={SEVERITY_TONE[s]}>
            {posture.counts[s]} {SEVERITY_LABEL[s].toLowerCase()}
          </Badge>
        ))}
      </div>
      {posture.unavailable.length > 0 && (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          Some facts could not be read, so the checks that need them say &quot;unknown&quot;: {posture.unavailable.join("; ")}
        </p>
      )}
      <ScopeSection title="Host" findings={host} grouped={false} />
      <ScopeSection title="Vifs" findings={vif} grouped />
    </div>
  );
}

function ScopeSection({ title, findings, grouped }: { title: string; findings: TFinding[]; grouped: boolean }) {
  return (
    <section aria-labelledby={`scope-${title}`} className="space-y-3">
      <h2 id={`scope-${title}`} className="text-lg font-semibold tracking-tight">
        {title}
      </h2>
      {findings.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">No findings.</p>}
      {SEVERITIES.map((severity) => {
        const items = findings.filter((f) => f.severity === severity);
        if (items.length === 0) return null;
        const groups = grouped ? groupVifFindings(items) : items.map((f) => ({ finding: f, targets: [] }));
        return (
          <section key={severity} aria-label={`${title}: ${SEVERITY_LABEL[severity]}`} className="space-y-2">
            <h3 className="flex items-center gap-2 text-sm font-semibold">
              <Badge tone={SEVERITY_TONE[severity]}>{SEVERITY_LABEL[severity]}</Badge>
              <span className="text-slate-600 dark:text-slate-400">
                {items.length.toLocaleString("en")} finding{items.length === 1 ? "" : "s"}
              </span>
            </h3>
            <div className="grid gap-2 xl:grid-cols-2">
              {groups.map((g, i) => (
                <FindingCard key={`${g.finding.id}-${i}`} finding={g.finding} targets={grouped ? g.targets : undefined} />
              ))}
            </div>
          </section>
        );
      })}
    </section>
  );
}
