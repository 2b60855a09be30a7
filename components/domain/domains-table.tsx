"use client";

import { useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown, ArrowUp, ArrowUpDown, Search } from "lucide-react";
import Link from "next/link";
import { useDeferredValue, useMemo, useRef, useState } from "react";

import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { cn } from "~/components/ui/cn";
import { EmptyState } from "~/components/ui/empty-state";
import { Input, Label, Select } from "~/components/ui/input";
import { Skeleton } from "~/components/ui/skeleton";
import { hrefOfDomain } from "~/components/vif/format";
import type { TDomainListRow } from "~/server/api/routers/domain";

const ROW_HEIGHT = 36;

type TSortKey = "name" | "domid" | "state" | "type" | "memoryMiB" | "vcpus" | "vifCount" | "configFile";

const COLUMNS: { key: TSortKey; label: string; numeric?: boolean; width: string }[] = [
  { key: "name", label: "Name", width: "22%" },
  { key: "domid", label: "Domid", numeric: true, width: "9%" },
  { key: "state", label: "State", width: "12%" },
  { key: "type", label: "Type", width: "8%" },
  { key: "memoryMiB", label: "Memory", numeric: true, width: "11%" },
  { key: "vcpus", label: "vCPUs", numeric: true, width: "8%" },
  { key: "vifCount", label: "Vifs", numeric: true, width: "8%" },
  { key: "configFile", label: "Config file", width: "22%" },
];

export function stateTone(state: string) {
  if (state === "running" || state === "blocked") return "good" as const;
  if (state === "stopped") return "neutral" as const;
  if (state === "paused") return "warn" as const;
  return "bad" as const;
}

function compare(a: TDomainListRow, b: TDomainListRow, key: TSortKey): number {
  const x = a[key];
  const y = b[key];
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "en", { numeric: true });
}

/** Running guests and the config files of stopped ones: sortable, searchable, virtualised. */
export function DomainsTable() {
  const trpc = useTRPC();
  const list = useQuery(trpc.domain.list.queryOptions(undefined, { refetchInterval: 15_000 }));
  const [query, setQuery] = useState("");
  const [state, setState] = useState("");
  const [sort, setSort] = useState<{ key: TSortKey; desc: boolean }>({ key: "name", desc: false });
  const search = useDeferredValue(query.trim().toLowerCase());

  const rows = useMemo(() => {
    const all = list.data?.rows ?? [];
    const filtered = all.filter(
      (r) =>
        (state === "" || (state === "running" ? r.domid !== null : r.state === state)) &&
        (search === "" || `${r.name} ${r.configFile ?? ""} ${r.domid ?? ""}`.toLowerCase().includes(search)),
    );
    return filtered.sort((a, b) => (sort.desc ? -1 : 1) * compare(a, b, sort.key));
  }, [list.data, state, search, sort]);

  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer keeps its own state.
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0) : 0;

  if (list.isPending) {
    return (
      <div className="space-y-2" role="status" aria-busy="true" aria-label="Loading the domains">
        <Skeleton className="h-9 w-full max-w-xl" />
        <Skeleton className="h-[60vh] w-full" />
      </div>
    );
  }
  if (list.isError) {
    return (
      <EmptyState title="Cannot read the domains" tone="error">
        {list.error.message}
      </EmptyState>
    );
  }
  const total = list.data.rows.length;
  if (total === 0) {
    return <EmptyState title="No domains">No guest is running and the config directory has no domain config file.</EmptyState>;
  }

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3" role="search" aria-label="Filter domains">
        <div className="relative w-72">
          <Label htmlFor="domain-search" className="sr-only">
            Search domains
          </Label>
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-slate-500" aria-hidden />
          <Input id="domain-search" type="search" placeholder="Search name, config file, domid…" className="pl-8" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
        <div className="flex items-center gap-1.5">
          <Label htmlFor="domain-state" className="text-xs text-slate-600 dark:text-slate-400">
            State
          </Label>
          <Select id="domain-state" className="w-auto" value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">all</option>
            <option value="running">running (any state)</option>
            <option value="stopped">stopped (config file only)</option>
          </Select>
        </div>
        <p className="ml-auto text-sm text-slate-600 tabular-nums dark:text-slate-400" role="status" aria-live="polite">
          {rows.length === total ? `${total.toLocaleString("en")} domains` : `${rows.length.toLocaleString("en")} of ${total.toLocaleString("en")} domains`}
        </p>
      </div>
      <div
        ref={scrollRef}
        tabIndex={0}
        aria-label="Domains, scrollable"
        className="max-h-[calc(100vh-13rem)] min-h-64 overflow-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900"
      >
        <table className="w-full table-fixed border-collapse text-left text-sm" aria-label="Domains" aria-rowcount={rows.length + 1}>
          <colgroup>
            {COLUMNS.map((c) => (
              <col key={c.key} style={{ width: c.width }} />
            ))}
          </colgroup>
          <thead className="sticky top-0 z-10 border-b border-slate-200 bg-slate-50 text-xs text-slate-600 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400">
            <tr aria-rowindex={1}>
              {COLUMNS.map((c) => {
                const sorted = sort.key === c.key ? (sort.desc ? "descending" : "ascending") : "none";
                const Icon = sorted === "ascending" ? ArrowUp : sorted === "descending" ? ArrowDown : ArrowUpDown;
                return (
                  <th key={c.key} scope="col" aria-sort={sorted} className={cn("px-3 py-2 font-medium", c.numeric && "text-right")}>
                    <button
                      type="button"
                      className={cn("inline-flex items-center gap-1 rounded uppercase tracking-wide hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600 dark:hover:text-slate-100", c.numeric && "flex-row-reverse")}
                      onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : false }))}
                    >
                      {c.label}
                      <Icon className={cn("size-3", sorted === "none" && "opacity-40")} aria-hidden />
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {paddingTop > 0 && (
              <tr aria-hidden>
                <td colSpan={COLUMNS.length} style={{ height: paddingTop, padding: 0 }} />
              </tr>
            )}
            {items.map((item) => {
              const r = rows[item.index];
              if (!r) return null;
              return (
                <tr key={r.name + (r.configFile ?? "")} aria-rowindex={item.index + 2} style={{ height: ROW_HEIGHT }} className="border-b border-slate-100 hover:bg-slate-50 dark:border-slate-800/70 dark:hover:bg-slate-800/40">
                  <td className="truncate px-3">
                    <Link href={hrefOfDomain(r.name)} prefetch={false} className="font-medium text-sky-800 hover:underline dark:text-sky-300">
                      {r.name}
                    </Link>
                  </td>
                  <td className="px-3 text-right tabular-nums">{r.domid ?? "—"}</td>
                  <td className="px-3">
                    <Badge tone={stateTone(r.state)}>{r.state}</Badge>
                  </td>
                  <td className="px-3 uppercase">{r.type ?? "—"}</td>
                  <td className="px-3 text-right tabular-nums">{r.memoryMiB === null ? "—" : `${r.memoryMiB.toLocaleString("en")} MiB`}</td>
                  <td className="px-3 text-right tabular-nums">{r.vcpus ?? "—"}</td>
                  <td className="px-3 text-right tabular-nums">{r.domid === null ? "—" : r.vifCount}</td>
                  <td className="truncate px-3 font-mono text-xs">{r.configFile ?? <span className="font-sans text-slate-500">unknown</span>}</td>
                </tr>
              );
            })}
            {paddingBottom > 0 && (
              <tr aria-hidden>
                <td colSpan={COLUMNS.length} style={{ height: paddingBottom, padding: 0 }} />
              </tr>
            )}
          </tbody>
        </table>
        {rows.length === 0 && (
          <p role="status" className="p-6 text-center text-sm text-slate-600 dark:text-slate-400">
            No domain matches these filters.
          </p>
        )}
      </div>
    </div>
  );
}
