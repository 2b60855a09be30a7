"use client";

import { useQuery } from "@tanstack/react-query";
import { AlertTriangle, CheckCircle2, FileCode2 } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";

import { AdminOnly } from "~/components/auth/session-context";
import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { buttonVariants } from "~/components/ui/button";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import { cn } from "~/components/ui/cn";
import { EmptyState } from "~/components/ui/empty-state";
import { Skeleton } from "~/components/ui/skeleton";
import { AttachVifDialog } from "~/components/vif/attach-vif-dialog";
import { DetachVifDialog } from "~/components/vif/detach-vif-dialog";
import { hrefOfDomain, hrefOfVif } from "~/components/vif/format";
import type { TConfiguredVifRow, TDomainDetail, TRunningVifRow, TVifPair } from "~/server/api/routers/domain";

import { DomainNav } from "./domain-nav";
import { stateTone } from "./domains-table";

const STATUS_TEXT: Record<TVifPair["status"], { label: string; tone: "good" | "warn" | "bad" | "neutral" }> = {
  same: { label: "in sync", tone: "good" },
  differs: { label: "differs", tone: "warn" },
  "running-only": { label: "not in the config", tone: "warn" },
  "config-only": { label: "not running", tone: "warn" },
};

const FIELD_LABEL = { mac: "MAC", bridge: "bridge", ip: "IPs", vifname: "vifname", rate: "rate" } as const;

/** A domain's vifs as running and as configured, side by side, with the drift between them. */
export function DomainDetail({ name }: { name: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.domain.get.queryOptions({ name }, { refetchInterval: 5_000 }));

  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="space-y-1">
          <p className="text-sm text-slate-600 dark:text-slate-400">
            <Link href="/domains" className="hover:underline">
              Domains
            </Link>{" "}
            / domain
          </p>
          <h1 className="flex items-center gap-2 text-xl font-semibold tracking-tight">
            {name}
            {detail.data && <Badge tone={stateTone(detail.data.running?.state ?? "stopped")}>{detail.data.running?.state ?? "stopped"}</Badge>}
          </h1>
          {detail.data && <DomainFacts detail={detail.data} />}
        </div>
        <div className="flex gap-2">
          {detail.data?.configFile && (
            <Link href={`${hrefOfDomain(name)}/config`} className={buttonVariants({ size: "md" })}>
              <FileCode2 className="size-4" aria-hidden />
              Edit config
            </Link>
          )}
          {detail.data?.running && (
            <AdminOnly>
              <AttachVifDialog domain={name} />
            </AdminOnly>
          )}
        </div>
      </header>
      <DomainNav name={name} />
      {detail.isPending ? (
        <div role="status" aria-busy="true" aria-label="Loading the domain" className="space-y-3">
          <Skeleton className="h-12" />
          <Skeleton className="h-56" />
        </div>
      ) : detail.isError ? (
        <EmptyState title={`Cannot read ${name}`} tone="error">
          {detail.error.message}
        </EmptyState>
      ) : (
        <VifComparison detail={detail.data} />
      )}
    </div>
  );
}

function DomainFacts({ detail }: { detail: TDomainDetail }) {
  const r = detail.running;
  return (
    <p className="text-sm text-slate-600 dark:text-slate-400">
      {r ? `domid ${r.domid} · ${r.type.toUpperCase()} · ${r.memoryMiB.toLocaleString("en")} MiB · ${r.vcpus} vCPU${r.vcpus === 1 ? "" : "s"}` : "not running"}
      {" · "}
      {detail.configFile ? (
        <>
          config <span className="font-mono">{detail.configFile}</span>
        </>
      ) : (
        "no known config file"
      )}
    </p>
  );
}

function VifComparison({ detail }: { detail: TDomainDetail }) {
  const drift = detail.pairs.filter((p) => p.status !== "same");
  return (
    <div className="space-y-4">
      {detail.configProblem && (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          {detail.configProblem}
        </p>
      )}
      {detail.running && (
        <div
          role="status"
          className={cn(
            "flex items-start gap-2 rounded-md border p-3 text-sm",
            drift.length === 0
              ? "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
              : "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200",
          )}
        >
          {drift.length === 0 ? <CheckCircle2 className="mt-0.5 size-4 shrink-0" aria-hidden /> : <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />}
          <div>
            <p className="font-medium">
              {drift.length === 0
                ? "Running and configured vifs agree."
                : `Drift: ${drift.length} vif${drift.length === 1 ? "" : "s"} differ${drift.length === 1 ? "s" : ""} between the running domain and its config file.`}
            </p>
            {drift.length > 0 && (
              <p className="mt-0.5">
                A change made at runtime is lost when the guest is stopped and started; a change to the file only applies then (a reboot does not reread it).
              </p>
            )}
          </div>
        </div>
      )}
      <Card aria-label="Vifs running and configured">
        <CardHeader>
          <CardTitle>Vifs: running ⟷ configured</CardTitle>
          <span className="text-xs text-slate-600 dark:text-slate-400">paired by MAC (or by devid for a configured vif without one)</span>
        </CardHeader>
        {detail.pairs.length === 0 ? (
          <CardBody className="text-sm text-slate-600 dark:text-slate-400">This domain has no vif, running or configured.</CardBody>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full border-collapse text-left text-sm" aria-label="Vif drift">
              <thead className="border-b border-slate-200 bg-slate-50 text-xs tracking-wide text-slate-600 uppercase dark:border-slate-800 dark:bg-slate-900/60 dark:text-slate-400">
                <tr>
                  <th scope="col" className="w-[44%] px-3 py-2 font-medium">
                    Running
                  </th>
                  <th scope="col" className="w-[12%] px-3 py-2 font-medium">
                    Status
                  </th>
                  <th scope="col" className="w-[44%] px-3 py-2 font-medium">
                    Configured{detail.configFile ? ` (${detail.configFile})` : ""}
                  </th>
                </tr>
              </thead>
              <tbody>
                {detail.pairs.map((pair, i) => {
                  const running = pair.running !== null ? detail.runningVifs[pair.running] : undefined;
                  const configured = pair.configured !== null ? detail.configuredVifs[pair.configured] : undefined;
                  const differs = new Set(pair.differences.map((d) => d.field));
                  const status = STATUS_TEXT[pair.status];
                  return (
                    <tr key={i} className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800/70" aria-label={running ? running.kernelName : `config line ${configured?.line ?? ""}`}>
                      <td className="px-3 py-2">
                        {running ? <RunningCell vif={running} differs={differs} detail={detail} /> : <span className="text-slate-500 dark:text-slate-400">— not running</span>}
                      </td>
                      <td className="px-3 py-2">
                        <Badge tone={status.tone}>{status.label}</Badge>
                        {pair.differences.length > 0 && (
                          <ul className="mt-1 space-y-0.5 text-xs text-amber-900 dark:text-amber-200">
                            {pair.differences.map((d) => (
                              <li key={d.field}>{FIELD_LABEL[d.field]} differs</li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td className="px-3 py-2">
                        {configured ? <ConfiguredCell vif={configured} differs={differs} /> : <span className="text-slate-500 dark:text-slate-400">— not in the config file</span>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function Field({ label, value, differs, mono = true }: { label: string; value: ReactNode; differs: boolean; mono?: boolean }) {
  return (
    <div className="flex gap-2">
      <dt className="w-16 shrink-0 text-xs text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className={cn(mono && "font-mono text-xs", differs && "rounded bg-amber-100 px-1 font-semibold text-amber-950 dark:bg-amber-900/60 dark:text-amber-100")}>
        {value}
        {differs && <span className="sr-only"> (differs)</span>}
      </dd>
    </div>
  );
}

function RunningCell({ vif, differs, detail }: { vif: TRunningVifRow; differs: Set<string>; detail: TDomainDetail }) {
  return (
    <div className="space-y-1.5">
      <div className="flex items-center gap-2">
        <Link href={hrefOfVif(vif.key)} className="font-mono font-medium text-sky-800 hover:underline dark:text-sky-300">
          {vif.kernelName}
        </Link>
        <span className="text-xs text-slate-600 dark:text-slate-400">devid {vif.devid}</span>
        <Badge tone={vif.state === "up" ? "good" : "bad"}>{vif.state}</Badge>
        {vif.hasEmuTwin && <Badge tone="neutral">+ emu</Badge>}
        <span className="ml-auto">
          <AdminOnly>
            <DetachVifDialog target={{ domain: detail.name, devid: vif.devid, kernelName: vif.kernelName, key: vif.key, configFile: detail.configFile }} />
          </AdminOnly>
        </span>
      </div>
      <dl className="space-y-0.5">
        <Field label="MAC" value={vif.mac} differs={differs.has("mac")} />
        {detail.networkMode === "bridge" && <Field label="bridge" value={vif.bridge ?? "none"} differs={differs.has("bridge")} />}
        <Field label="IPs" value={vif.ips.join(" ") || "none"} differs={differs.has("ip")} />
        <Field label="vifname" value={vif.vifname ?? "none"} differs={differs.has("vifname")} />
        <Field label="rate" value={vif.rateLimit ?? "none"} differs={differs.has("rate")} />
      </dl>
    </div>
  );
}

function ConfiguredCell({ vif, differs }: { vif: TConfiguredVifRow; differs: Set<string> }) {
  return (
    <div className="space-y-1.5">
      <div className="flex items-center gap-2">
        <span className="font-medium">line {vif.line}</span>
        <span className="text-xs text-slate-600 dark:text-slate-400">devid {vif.devid}</span>
        {vif.fatal && <Badge tone="bad">xl stops here</Badge>}
      </div>
      <dl className="space-y-0.5">
        <Field label="MAC" value={vif.mac ?? "random at each start"} differs={differs.has("mac")} />
        <Field label="bridge" value={vif.bridge ?? "default"} differs={differs.has("bridge")} />
        <Field label="IPs" value={vif.ips.join(" ") || "none"} differs={differs.has("ip")} />
        <Field label="vifname" value={vif.vifname ?? "none"} differs={differs.has("vifname")} />
        <Field label="rate" value={vif.rateLimit ?? "none"} differs={differs.has("rate")} />
      </dl>
      <pre className="overflow-x-auto rounded bg-slate-100 px-2 py-1 font-mono text-xs dark:bg-slate-800">
        <code>&apos;{vif.spec}&apos;</code>
      </pre>
      {vif.problems.length > 0 && (
        <ul className="space-y-0.5 text-xs text-amber-900 dark:text-amber-200">
          {vif.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
