"use client";

import { useQuery } from "@tanstack/react-query";
import { Download } from "lucide-react";
import { useId, useState, type FormEvent } from "react";

import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { Button, buttonVariants } from "~/components/ui/button";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Input, Label, Select } from "~/components/ui/input";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, Td, Th, THead, Tr } from "~/components/ui/table";
import { LocalTime } from "~/components/ui/local-time";

type Filter = { actor?: string; operation?: string; target?: string; outcome?: "ok" | "error" | "refused"; from?: Date; to?: Date };

const OUTCOME_TONE = { ok: "good", error: "bad", refused: "warn" } as const;

function readFilter(form: FormData): Filter {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" && value.trim() ? value.trim() : undefined;
  };
  const date = (name: string) => {
    const value = text(name);
    return value ? new Date(value) : undefined;
  };
  const outcome = text("outcome");
  return {
    ...(text("actor") ? { actor: text("actor") } : {}),
    ...(text("operation") ? { operation: text("operation") } : {}),
    ...(text("target") ? { target: text("target") } : {}),
    ...(outcome === "ok" || outcome === "error" || outcome === "refused" ? { outcome } : {}),
    ...(date("from") ? { from: date("from") } : {}),
    ...(date("to") ? { to: date("to") } : {}),
  };
}

function exportHref(filter: Filter): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (value !== undefined) query.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const qs = query.toString();
  return `/api/audit/export${qs ? `?${qs}` : ""}`;
}

/** Every change and every refused attempt, newest first, filterable, exportable as CSV. */
export function AuditLog() {
  const trpc = useTRPC();
  const formId = useId();
  const [filter, setFilter] = useState<Filter>({});
  const [pages, setPages] = useState<number[]>([]);
  const before = pages.at(-1);
  const events = useQuery(trpc.audit.list.queryOptions({ filter, limit: 100, ...(before !== undefined ? { before } : {}) }));

  function applyFilter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFilter(readFilter(new FormData(event.currentTarget)));
    setPages([]);
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Audit log</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Every change to the host, users and tokens, and every refused attempt: who, when, from where, what, and the result.
          </p>
        </div>
        <a className={buttonVariants({ variant: "secondary" })} href={exportHref(filter)} download>
          <Download className="size-4" aria-hidden />
          Download CSV
        </a>
      </div>

      <Card>
        <CardBody>
          <form id={formId} onSubmit={applyFilter} aria-label="Filter the audit log" className="grid gap-3 sm:grid-cols-3 lg:grid-cols-7 lg:items-end">
            <div className="space-y-1">
              <Label htmlFor={`${formId}-actor`}>User</Label>
              <Input id={`${formId}-actor`} name="actor" placeholder="alice, token:ci" />
            </div>
            <div className="space-y-1">
              <Label htmlFor={`${formId}-operation`}>Operation</Label>
              <Input id={`${formId}-operation`} name="operation" placeholder="vif.attach" />
            </div>
            <div className="space-y-1">
              <Label htmlFor={`${formId}-target`}>Target</Label>
              <Input id={`${formId}-target`} name="target" placeholder="web1" />
            </div>
            <div className="space-y-1">
              <Label htmlFor={`${formId}-outcome`}>Result</Label>
              <Select id={`${formId}-outcome`} name="outcome" defaultValue="">
                <option value="">any</option>
                <option value="ok">ok</option>
                <option value="error">error</option>
                <option value="refused">refused</option>
              </Select>
            </div>
            <div className="space-y-1">
              <Label htmlFor={`${formId}-from`}>From</Label>
              <Input id={`${formId}-from`} name="from" type="datetime-local" />
            </div>
            <div className="space-y-1">
              <Label htmlFor={`${formId}-to`}>To</Label>
              <Input id={`${formId}-to`} name="to" type="datetime-local" />
            </div>
            <Button type="submit" variant="primary">
              Apply filters
            </Button>
          </form>
        </CardBody>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Events</CardTitle>
          <div className="flex gap-2">
            <Button size="sm" disabled={pages.length === 0} onClick={() => setPages([])}>
              Newest
            </Button>
            <Button
              size="sm"
              disabled={!events.data?.nextBefore}
              onClick={() => events.data?.nextBefore && setPages([...pages, events.data.nextBefore])}
            >
              Older
            </Button>
          </div>
        </CardHeader>
        {events.isPending ? (
          <CardBody>
            <Skeleton className="h-40" />
          </CardBody>
        ) : events.isError ? (
          <CardBody>
            <EmptyState title="Cannot read the audit log" tone="error">
              {events.error.message}
            </EmptyState>
          </CardBody>
        ) : events.data.events.length === 0 ? (
          <CardBody>
            <EmptyState title="No events">Nothing matches these filters.</EmptyState>
          </CardBody>
        ) : (
          <div className="overflow-x-auto">
            <Table aria-label="Audit events">
              <THead>
                <Tr>
                  <Th>Time</Th>
                  <Th>User</Th>
                  <Th>Source</Th>
                  <Th>Operation</Th>
                  <Th>Target</Th>
                  <Th>Result</Th>
                  <Th>Details</Th>
                </Tr>
              </THead>
              <tbody>
                {events.data.events.map((event) => (
                  <Tr key={event.id}>
                    <Td className="whitespace-nowrap tabular-nums">
                      <LocalTime date={event.at} />
                    </Td>
                    <Td>{event.actor}</Td>
                    <Td className="font-mono text-xs">{event.source ?? "—"}</Td>
                    <Td className="font-mono text-xs">{event.operation}</Td>
                    <Td>{event.target ?? "—"}</Td>
                    <Td>
                      <Badge tone={OUTCOME_TONE[event.outcome]}>{event.outcome}</Badge>
                    </Td>
                    <Td className="max-w-md text-xs">
                      {event.error && <p className="text-red-700 dark:text-red-400">{event.error}</p>}
                      {event.command && (
                        <p className="font-mono break-all">
                          $ {event.command}
                          {event.exitCode !== null ? ` → exit ${event.exitCode}` : ""}
                        </p>
                      )}
                      {event.params && (
                        <details>
                          <summary className="cursor-pointer text-slate-600 dark:text-slate-400">parameters</summary>
                          <pre className="mt-1 font-mono break-all whitespace-pre-wrap">{event.params}</pre>
                        </details>
                      )}
                    </Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
          </div>
        )}
      </Card>
    </div>
  );
}
