"use client";

import { useQuery } from "@tanstack/react-query";
import { FileCode2 } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { ReactNode } from "react";

import { AdminOnly } from "~/components/auth/session-context";
import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { buttonVariants } from "~/components/ui/button";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Skeleton } from "~/components/ui/skeleton";

import { DetachVifDialog } from "./detach-vif-dialog";
import { formatBytesOrDash, formatRateOrDash, hrefOfDomain } from "./format";

/** One vif by stable name: now, its config line, its traffic (live, history, incarnations) and what the security checks say. */
export function VifDetail({ vifKey, traffic, findings }: { vifKey: string; traffic?: ReactNode; findings?: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const detail = useQuery(trpc.vif.get.queryOptions({ key: vifKey }, { refetchInterval: 10_000 }));

  if (detail.isPending) {
    return (
      <div className="space-y-4" role="status" aria-busy="true" aria-label="Loading the vif">
        <Skeleton className="h-16" />
        <div className="grid gap-4 lg:grid-cols-2">
          <Skeleton className="h-48" />
          <Skeleton className="h-48" />
        </div>
      </div>
    );
  }
  if (detail.isError) {
    return (
      <EmptyState title={`Cannot read ${vifKey}`} tone="error">
        {detail.error.message}
      </EmptyState>
    );
  }
  const d = detail.data;
  const vif = d.interfaces.find((i) => i.kind === "vif") ?? d.interfaces[0];
  const emu = d.interfaces.find((i) => i.kind === "emu");

  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            <Link href="/vifs" className="hover:underline">
              Vifs
            </Link>{" "}
            / stable name
          </p>
          <h1 className="flex items-center gap-2 font-mono text-xl font-semibold tracking-tight">
            {d.key}
            {vif ? <Badge tone={vif.operState === "up" ? "good" : "bad"}>{vif.operState}</Badge> : <Badge tone="neutral">not running</Badge>}
          </h1>
          {vif && (
            <p className="text-sm text-slate-600 dark:text-slate-400">
              <span className="font-mono">{vif.kernelName}</span>
              {emu && (
                <>
                  {" "}
                  and its emulated twin <span className="font-mono">{emu.kernelName}</span>
                </>
              )}{" "}
              · devid {vif.devid} of{" "}
              <Link href={hrefOfDomain(vif.domain)} className="font-medium text-sky-800 hover:underline dark:text-sky-300">
                {vif.domain}
              </Link>{" "}
              (domid {vif.domid}) · {vif.bridge ? <>bridge <span className="font-mono">{vif.bridge}</span></> : `routed (${d.networkMode} mode)`}
            </p>
          )}
        </div>
        {vif && d.domain && (
          <div className="flex gap-2">
            <Link href={`${hrefOfDomain(d.domain.name)}/config`} className={buttonVariants({ size: "sm" })}>
              <FileCode2 className="size-3.5" aria-hidden />
              Edit config
            </Link>
            <AdminOnly>
              <DetachVifDialog
                target={{ domain: d.domain.name, devid: vif.devid, kernelName: vif.kernelName, key: d.key, configFile: d.domain.configFile }}
                onDetached={() => router.push("/vifs")}
              />
            </AdminOnly>
          </div>
        )}
      </header>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card aria-label="Now">
          <CardHeader>
            <CardTitle>Now</CardTitle>
            <span className="text-xs text-slate-600 dark:text-slate-400">as the guest sees it</span>
          </CardHeader>
          <CardBody>
            <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
              <Fact label="Receiving">{formatRateOrDash(d.inBps)}</Fact>
              <Fact label="Sending">{formatRateOrDash(d.outBps)}</Fact>
              <Fact label={`This month${d.period ? ` (${d.period})` : ""}`}>
                {d.monthIn === null ? "—" : `${formatBytesOrDash(d.monthIn)} in, ${formatBytesOrDash(d.monthOut)} out`}
              </Fact>
              <Fact label="MAC" mono>
                {vif?.mac ?? "—"}
              </Fact>
              <Fact label="IPs" mono>
                {vif?.ips.join(" ") || "none"}
              </Fact>
              <Fact label="Rate limit">
                {vif?.rate ? `${formatBytesOrDash((vif.rate.bytesPerInterval * 1_000_000) / vif.rate.intervalUsecs)}/s` : "none"}
              </Fact>
              <Fact label="Script" mono>
                {vif?.script ?? "—"}
              </Fact>
              <Fact label="MTU">{vif?.mtu ?? "—"}</Fact>
              <Fact label="Backend state">{vif?.backendState === 4 ? "4 (connected)" : (vif?.backendState ?? "—")}</Fact>
            </dl>
          </CardBody>
        </Card>

        <Card aria-label="Config as written">
          <CardHeader>
            <CardTitle>Config as written</CardTitle>
            {d.configured && (
              <span className="text-xs text-slate-600 dark:text-slate-400">
                {d.configured.file}, line {d.configured.line} (matched by {d.configured.matchedBy === "mac" ? "MAC" : "devid"})
              </span>
            )}
          </CardHeader>
          <CardBody className="space-y-2 text-sm">
            {d.configured ? (
              <pre className="overflow-x-auto rounded-md bg-slate-100 p-2.5 font-mono text-xs dark:bg-slate-800">
                <code>&apos;{d.configured.spec}&apos;</code>
              </pre>
            ) : d.domain?.configFile ? (
              <p>
                <span className="font-mono">{d.domain.configFile}</span> has no vif with this MAC or devid: it was attached at runtime and will be gone when
                the guest is next started.
              </p>
            ) : (
              <p>vifdeck knows no config file for this domain.</p>
            )}
            {d.domain?.configFile && (
              <Link href={`${hrefOfDomain(d.domain.name)}/config`} className="text-sky-800 hover:underline dark:text-sky-300">
                Open {d.domain.configFile} in the editor
              </Link>
            )}
          </CardBody>
        </Card>
      </div>

      {traffic}

      {findings}
    </div>
  );
}

function Fact({ label, mono, children }: { label: string; mono?: boolean; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className={mono ? "font-mono text-xs break-all" : "font-medium tabular-nums"}>{children}</dd>
    </div>
  );
}
