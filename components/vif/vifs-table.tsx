"use client";

import {
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type FilterFn,
  type SortingState,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown, ArrowUp, ArrowUpDown, Search } from "lucide-react";
import Link from "next/link";
import { useDeferredValue, useMemo, useRef, useState } from "react";

import { Badge } from "~/components/ui/badge";
import { Input, Label, Select } from "~/components/ui/input";
import { cn } from "~/components/ui/cn";
import type { TVifRow } from "~/server/api/routers/vif";

import { formatBytesOrDash, formatRateOrDash, hrefOfDomain, hrefOfVif } from "./format";

const ROW_HEIGHT = 34;

type TRow = TVifRow & { search: string; monthTotal: number | null };

/** One lower-case string per row, so a search over 8,000 rows is one `includes` each. */
function toRow(vif: TVifRow): TRow {
  return {
    ...vif,
    search: [vif.kernelName, vif.key, vif.domain, vif.mac, vif.ips.join(" "), vif.bridge ?? "routed", vif.vifname ?? "", vif.rateLimit ?? ""]
      .join(" ")
      .toLowerCase(),
    monthTotal: vif.monthIn === null || vif.monthOut === null ? null : vif.monthIn + vif.monthOut,
  };
}

const searchRows: FilterFn<TRow> = (row, _columnId, value: string) => row.original.search.includes(value);

const COLUMNS: ColumnDef<TRow>[] = [
  {
    id: "kernelName",
    accessorKey: "kernelName",
    header: "Kernel name",
    cell: ({ row }) => (
      <span className="font-mono">
        {row.original.kernelName}
        {row.original.kind === "emu" && (
          <Badge className="ml-1.5" tone="neutral" title="an HVM guest's emulated NIC, counted with its vif">
            emu
          </Badge>
        )}
      </span>
    ),
    size: 120,
  },
  {
    id: "key",
    accessorKey: "key",
    header: "Stable name",
    cell: ({ row }) => (
      <Link href={hrefOfVif(row.original.key)} prefetch={false} className="font-mono font-medium text-sky-800 hover:underline dark:text-sky-300">
        {row.original.key}
      </Link>
    ),
    size: 120,
  },
  {
    id: "domain",
    accessorKey: "domain",
    header: "Domain",
    cell: ({ row }) => (
      <Link href={hrefOfDomain(row.original.domain)} prefetch={false} className="hover:underline">
        {row.original.domain}
      </Link>
    ),
    size: 105,
  },
  { id: "devid", accessorKey: "devid", header: "Devid", meta: { numeric: true }, size: 52 },
  { id: "mac", accessorKey: "mac", header: "MAC", cell: ({ row }) => <span className="font-mono">{row.original.mac}</span>, size: 156 },
  {
    id: "ips",
    accessorFn: (r) => r.ips.join(" "),
    header: "IPs",
    cell: ({ row }) => <span className="font-mono">{row.original.ips.join(" ") || "—"}</span>,
    size: 120,
  },
  {
    id: "bridge",
    accessorFn: (r) => r.bridge ?? "",
    header: "Bridge",
    cell: ({ row }) => (row.original.bridge ? <span className="font-mono">{row.original.bridge}</span> : <span className="text-slate-500 dark:text-slate-400">routed</span>),
    size: 70,
  },
  { id: "rateLimit", accessorFn: (r) => r.rateLimit ?? "", header: "Limit", cell: ({ row }) => row.original.rateLimit ?? "—", size: 70 },
  {
    id: "state",
    accessorKey: "state",
    header: "State",
    cell: ({ row }) => <Badge tone={row.original.state === "up" ? "good" : "bad"}>{row.original.state}</Badge>,
    size: 60,
  },
  {
    id: "inBps",
    accessorFn: (r) => r.inBps ?? -1,
    header: "Rx/s",
    cell: ({ row }) => formatRateOrDash(row.original.inBps),
    meta: { numeric: true, title: "received by the guest, now" },
    sortDescFirst: true,
    size: 85,
  },
  {
    id: "outBps",
    accessorFn: (r) => r.outBps ?? -1,
    header: "Tx/s",
    cell: ({ row }) => formatRateOrDash(row.original.outBps),
    meta: { numeric: true, title: "sent by the guest, now" },
    sortDescFirst: true,
    size: 85,
  },
  {
    id: "month",
    accessorFn: (r) => r.monthTotal ?? -1,
    header: "This month",
    cell: ({ row }) => (
      <span title={`in ${formatBytesOrDash(row.original.monthIn)}, out ${formatBytesOrDash(row.original.monthOut)}`}>{formatBytesOrDash(row.original.monthTotal)}</span>
    ),
    meta: { numeric: true, title: "in + out since the billing period began" },
    sortDescFirst: true,
    size: 90,
  },
];

type TColumnMeta = { numeric?: boolean; title?: string };

export function VifsTable({ vifs, bridges, initialBridge = "", initialQuery = "" }: { vifs: TVifRow[]; bridges: string[]; initialBridge?: string; initialQuery?: string }) {
  const data = useMemo(() => vifs.map(toRow), [vifs]);
  const [sorting, setSorting] = useState<SortingState>([]);
  const [query, setQuery] = useState(initialQuery);
  const [bridge, setBridge] = useState(initialBridge);
  const [state, setState] = useState("");
  const [kind, setKind] = useState("");
  const search = useDeferredValue(query.trim().toLowerCase());

  const prefiltered = useMemo(
    () =>
      data.filter(
        (r) =>
          (bridge === "" || (bridge === "(routed)" ? r.bridge === null : r.bridge === bridge)) &&
          (state === "" || r.state === state) &&
          (kind === "" || r.kind === kind),
      ),
    [data, bridge, state, kind],
  );

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table keeps its own state; nothing here is memoised by the compiler.
  const table = useReactTable({
    data: prefiltered,
    columns: COLUMNS,
    state: { sorting, globalFilter: search },
    onSortingChange: setSorting,
    globalFilterFn: searchRows,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getRowId: (r) => r.kernelName,
  });
  const rows = table.getRowModel().rows;
  const totalSize = table.getVisibleLeafColumns().reduce((sum, c) => sum + c.getSize(), 0);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
  });
  const items = virtualizer.getVirtualItems();
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0) : 0;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3" role="search" aria-label="Filter vifs">
        <div className="relative w-72">
          <Label htmlFor="vif-search" className="sr-only">
            Search vifs
          </Label>
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-slate-500" aria-hidden />
          <Input
            id="vif-search"
            type="search"
            placeholder="Search name, domain, MAC, IP…"
            className="pl-8"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        <FilterSelect id="vif-bridge" label="Bridge" value={bridge} onChange={setBridge} options={[...bridges, "(routed)"]} />
        <FilterSelect id="vif-state" label="State" value={state} onChange={setState} options={["up", "down", "unknown"]} />
        <FilterSelect id="vif-kind" label="Kind" value={kind} onChange={setKind} options={["vif", "emu"]} />
        <p className="ml-auto text-sm text-slate-600 tabular-nums dark:text-slate-400" role="status" aria-live="polite">
          {rows.length === data.length ? `${data.length.toLocaleString("en")} vifs` : `${rows.length.toLocaleString("en")} of ${data.length.toLocaleString("en")} vifs`}
        </p>
      </div>

      <div
        ref={scrollRef}
        className="max-h-[calc(100vh-13rem)] min-h-64 overflow-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900"
        tabIndex={0}
        aria-label="Vifs, scrollable"
      >
        <table className="w-full table-fixed border-collapse text-left text-xs" aria-label="Vifs" aria-rowcount={rows.length + 1}>
          <colgroup>
            {table.getVisibleLeafColumns().map((c) => (
              <col key={c.id} style={{ width: `${(100 * c.getSize()) / totalSize}%` }} />
            ))}
          </colgroup>
          <thead className="sticky top-0 z-10 border-b border-slate-200 bg-slate-50 text-slate-600 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id} aria-rowindex={1}>
                {group.headers.map((header) => {
                  const meta = header.column.columnDef.meta as TColumnMeta | undefined;
                  const sorted = header.column.getIsSorted();
                  const Icon = sorted === "asc" ? ArrowUp : sorted === "desc" ? ArrowDown : ArrowUpDown;
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
                      className={cn("px-1.5 py-2 font-medium whitespace-nowrap", meta?.numeric && "text-right")}
                      title={meta?.title}
                    >
                      <button
                        type="button"
                        onClick={header.column.getToggleSortingHandler()}
                        className={cn("inline-flex items-center gap-1 rounded uppercase tracking-wide hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600 dark:hover:text-slate-100", meta?.numeric && "flex-row-reverse")}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <Icon className={cn("size-3", !sorted && "opacity-40")} aria-hidden />
                      </button>
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {paddingTop > 0 && (
              <tr aria-hidden>
                <td colSpan={COLUMNS.length} style={{ height: paddingTop, padding: 0 }} />
              </tr>
            )}
            {items.map((item) => {
              const row = rows[item.index];
              if (!row) return null;
              return (
                <tr
                  key={row.id}
                  aria-rowindex={item.index + 2}
                  style={{ height: ROW_HEIGHT }}
                  className="border-b border-slate-100 hover:bg-slate-50 dark:border-slate-800/70 dark:hover:bg-slate-800/40"
                >
                  {row.getVisibleCells().map((cell) => {
                    const meta = cell.column.columnDef.meta as TColumnMeta | undefined;
                    return (
                      <td key={cell.id} className={cn("truncate px-1.5", meta?.numeric && "text-right tabular-nums")}>
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    );
                  })}
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
          <p className="p-6 text-center text-sm text-slate-600 dark:text-slate-400" role="status">
            {data.length === 0 ? "No guest is running: there are no vifs." : "No vif matches these filters."}
          </p>
        )}
      </div>
    </div>
  );
}

function FilterSelect({ id, label, value, onChange, options }: { id: string; label: string; value: string; onChange: (v: string) => void; options: string[] }) {
  return (
    <div className="flex items-center gap-1.5">
      <Label htmlFor={id} className="text-xs text-slate-600 dark:text-slate-400">
        {label}
      </Label>
      <Select id={id} className="h-9 w-auto" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </Select>
    </div>
  );
}
