"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ArrowDown, ArrowUp, ArrowUpDown, Download } from "lucide-react";
import { useId, useState, type ReactNode } from "react";

import { formatBytes, formatExactBytes, formatMbps } from "~/components/charts/format";
import { Badge } from "~/components/ui/badge";
import { Button, buttonVariants } from "~/components/ui/button";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import { Input, Label, Select } from "~/components/ui/input";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, Td, Th, THead, Tr } from "~/components/ui/table";
import { useTRPC } from "~/components/trpc-provider";
import type { TBillSort } from "~/server/api/routers/billing";

import { DirectionNote } from "./direction-note";
import { billCsvHref } from "./export-links";

const PAGE_SIZE = 50;

const DAY = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });

type Column = { sort: TBillSort; label: ReactNode; numeric: boolean };

const COLUMNS: Column[] = [
  { sort: "key", label: "Stable name", numeric: false },
  { sort: "in", label: "In (received)", numeric: true },
  { sort: "out", label: "Out (sent)", numeric: true },
  { sort: "total", label: "Total", numeric: true },
  { sort: "p95In", label: "95th in, Mbit/s", numeric: true },
  { sort: "p95Out", label: "95th out, Mbit/s", numeric: true },
  { sort: "p95Max", label: "95th billable, Mbit/s", numeric: true },
];

/**
 * The monthly accounting table: per stable name, a billing period's transfer
 * (bytes) and 95th percentile of 5-minute rates (Mbit/s), quota use where
 * quotas exist; sortable by every column, filtered, paged; the whole period as
 * CSV. The billing period follows the configured billing day and time zone.
 */
export function AccountingTable() {
  const trpc = useTRPC();
  const [period, setPeriod] = useState<string | undefined>(undefined);
  const [sort, setSort] = useState<TBillSort>("total");
  const [direction, setDirection] = useState<"asc" | "desc">("desc");
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(0);
  const periodId = useId();
  const searchId = useId();
  const month = useQuery(
    trpc.billing.month.queryOptions(
      { ...(period ? { period } : {}), sort, direction, page, pageSize: PAGE_SIZE, ...(search.trim() ? { search: search.trim() } : {}) },
      { placeholderData: keepPreviousData, refetchInterval: 60_000 },
    ),
  );
  const data = month.data;

  const sortBy = (column: TBillSort) => {
    if (column === sort) setDirection((d) => (d === "asc" ? "desc" : "asc"));
    else {
      setSort(column);
      setDirection(column === "key" ? "asc" : "desc");
    }
    setPage(0);
  };

  const pages = data ? Math.max(1, Math.ceil(data.totalRows / data.pageSize)) : 1;
  const columns = data?.hasQuotas ? [...COLUMNS, { sort: "quota" as const, label: "Quota used", numeric: true }] : COLUMNS;

  return (
    <Card aria-label="Monthly accounting">
      <CardHeader className="flex-wrap">
        <CardTitle>Monthly accounting{data ? ` — ${data.period.label}` : ""}</CardTitle>
        {data && (
          <span className="text-xs text-slate-600 dark:text-slate-400">
            {DAY.format(new Date(data.period.start * 1000))} – {DAY.format(new Date(data.period.end * 1000))} (billing day {data.billingDay}, {data.timeZone})
          </span>
        )}
      </CardHeader>
      <CardBody className="space-y-3">
        <div className="flex flex-wrap items-end gap-3">
          <div className="space-y-1">
            <Label htmlFor={periodId}>Billing period</Label>
            <Select
              id={periodId}
              className="w-44"
              value={period ?? data?.period.label ?? ""}
              onChange={(e) => {
                setPeriod(e.target.value);
                setPage(0);
              }}
            >
              {(data?.periods ?? []).map((p, i) => (
                <option key={p.label} value={p.label}>
                  {p.label}
                  {i === 0 ? " (current)" : ""}
                </option>
              ))}
            </Select>
          </div>
          <div className="space-y-1">
            <Label htmlFor={searchId}>Filter by stable name</Label>
            <Input
              id={searchId}
              type="search"
              className="w-56 font-mono"
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setPage(0);
              }}
              placeholder="web1"
            />
          </div>
          <div className="ml-auto">
            {data && (
              <a className={buttonVariants({ variant: "secondary", size: "md" })} href={billCsvHref(data.period.label)} download>
                <Download className="size-4" aria-hidden />
                Download CSV ({data.period.label})
              </a>
            )}
          </div>
        </div>
        <DirectionNote />
        <p className="text-xs text-slate-600 dark:text-slate-400">
          95th percentile: of the period&apos;s 5-minute rates (intervals without traffic count as 0), the top 5 % discarded; billable = the larger of in and out. Host interfaces
          (bridges, NICs) are marked; their in is what they received.
        </p>
        {month.isPending ? (
          <div role="status" aria-busy="true" aria-label="Loading the accounting table">
            <Skeleton className="h-64" />
          </div>
        ) : month.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            Cannot read the accounting: {month.error.message}
          </p>
        ) : !data ? null : data.totalRows === 0 ? (
          <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
            {search.trim() ? `No stable name matches “${search.trim()}” in ${data.period.label}.` : `No traffic recorded in ${data.period.label}.`}
          </p>
        ) : (
          <>
            <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4" aria-label="Period totals">
              <Stat label="Guests in (received)" value={formatBytes(data.totals.guestInBytes)} exact={formatExactBytes(data.totals.guestInBytes)} />
              <Stat label="Guests out (sent)" value={formatBytes(data.totals.guestOutBytes)} exact={formatExactBytes(data.totals.guestOutBytes)} />
              <Stat
                label="Guests total"
                value={formatBytes(data.totals.guestInBytes + data.totals.guestOutBytes)}
                exact={formatExactBytes(data.totals.guestInBytes + data.totals.guestOutBytes)}
              />
              <Stat label="Keys with traffic" value={data.totals.keys.toLocaleString()} />
            </dl>
            <Table aria-label={`Accounting for ${data.period.label}`} aria-busy={month.isFetching}>
              <THead>
                <tr>
                  {columns.map((c) => {
                    const active = c.sort === sort;
                    const Icon = active ? (direction === "asc" ? ArrowUp : ArrowDown) : ArrowUpDown;
                    return (
                      <Th key={c.sort} className={c.numeric ? "text-right" : undefined} aria-sort={active ? (direction === "asc" ? "ascending" : "descending") : "none"}>
                        <button
                          type="button"
                          onClick={() => sortBy(c.sort)}
                          className="inline-flex items-center gap-1 uppercase hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600 dark:hover:text-slate-100"
                        >
                          {c.label}
                          <Icon className="size-3.5" aria-hidden />
                        </button>
                      </Th>
                    );
                  })}
                </tr>
              </THead>
              <tbody>
                {data.rows.map((row) => (
                  <Tr key={row.key}>
                    <Td className="font-mono font-medium">
                      {row.key}
                      {row.kind === "host" && (
                        <Badge className="ml-2" tone="neutral" title="a host interface: in = received by the interface">
                          host
                        </Badge>
                      )}
                    </Td>
                    <Td className="text-right tabular-nums" title={formatExactBytes(row.inBytes)}>
                      {formatBytes(row.inBytes)}
                    </Td>
                    <Td className="text-right tabular-nums" title={formatExactBytes(row.outBytes)}>
                      {formatBytes(row.outBytes)}
                    </Td>
                    <Td className="text-right tabular-nums" title={formatExactBytes(row.totalBytes)}>
                      {formatBytes(row.totalBytes)}
                    </Td>
                    <Td className="text-right tabular-nums">{formatMbps(row.p95InBps)}</Td>
                    <Td className="text-right tabular-nums">{formatMbps(row.p95OutBps)}</Td>
                    <Td className="text-right font-medium tabular-nums">{formatMbps(row.p95MaxBps)}</Td>
                    {data.hasQuotas && (
                      <Td className="text-right tabular-nums">
                        {row.quota ? (
                          <Badge tone={row.quota.percent >= 100 ? "bad" : row.quota.percent >= 80 ? "warn" : "neutral"} title={`${row.quota.metric} of ${formatBytes(row.quota.monthlyBytes)}`}>
                            {row.quota.percent.toFixed(1)} %
                          </Badge>
                        ) : (
                          "—"
                        )}
                      </Td>
                    )}
                  </Tr>
                ))}
              </tbody>
            </Table>
            <div className="flex items-center justify-between gap-3 text-sm">
              <span className="text-slate-600 dark:text-slate-400" aria-live="polite">
                {data.page * data.pageSize + 1}–{Math.min(data.totalRows, (data.page + 1) * data.pageSize)} of {data.totalRows.toLocaleString()}
              </span>
              <div className="flex gap-2">
                <Button size="sm" disabled={data.page === 0} onClick={() => setPage((p) => Math.max(0, p - 1))}>
                  Previous
                </Button>
                <Button size="sm" disabled={data.page + 1 >= pages} onClick={() => setPage((p) => p + 1)}>
                  Next
                </Button>
              </div>
            </div>
          </>
        )}
      </CardBody>
    </Card>
  );
}

function Stat({ label, value, exact }: { label: string; value: string; exact?: string }) {
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-800">
      <dt className="text-xs text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="text-base font-semibold tabular-nums" title={exact}>
        {value}
      </dd>
    </div>
  );
}
