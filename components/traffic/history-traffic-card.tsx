"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Download } from "lucide-react";
import { useState } from "react";

import { formatBytes, formatDuration, formatExactBytes } from "~/components/charts/format";
import { TrafficChart } from "~/components/charts/traffic-chart";
import { buttonVariants } from "~/components/ui/button";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, Td, Th, THead, Tr } from "~/components/ui/table";
import { useTRPC } from "~/components/trpc-provider";
import type { TTarget } from "~/server/api/routers/traffic";

import { DirectionNote } from "./direction-note";
import { rangeCsvHref } from "./export-links";
import { RANGE_OPTIONS, RESOLUTION_LABELS, rangeTitleOf, type RangeId } from "./ranges";
import { Segmented } from "./segmented";


/**
 * History of a target over a chosen range, 1 hour to 13 months (the server
 * picks the bucket resolution), with totals in bytes per series and a CSV
 * download of the buckets behind the chart.
 */
export function HistoryTrafficCard({ target, title, initialRange = "24h" }: { target: TTarget; title: string; initialRange?: RangeId }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<RangeId>(initialRange);
  const [direction, setDirection] = useState<"in" | "out">("in");
  const series = useQuery(trpc.traffic.series.queryOptions({ target, range }, { placeholderData: keepPreviousData, refetchInterval: 60_000 }));
  const data = series.data;
  const stacked = data ? data.plan.selectors.length > 1 || data.plan.withOther || data.plan.selectors[0]?.by !== "key" : target.view !== "key";
  const keysForCsv = data?.plan.selectors.flatMap((s) => (s.by === "key" ? [s.name] : [])) ?? [];

  return (
    <Card aria-label={`History: ${title}`}>
      <CardHeader className="flex-wrap">
        <CardTitle>History — {title}</CardTitle>
        <div className="flex flex-wrap items-center gap-2">
          <Segmented label="Range" value={range} onChange={setRange} options={RANGE_OPTIONS} />
          {stacked && (
            <Segmented
              label="Direction"
              value={direction}
              onChange={setDirection}
              options={[
                { value: "in", label: "In (to guests)" },
                { value: "out", label: "Out (from guests)" },
              ]}
            />
          )}
        </div>
      </CardHeader>
      <CardBody className="space-y-3">
        <DirectionNote />
        {series.isPending ? (
          <div role="status" aria-busy="true" aria-label="Loading the history">
            <Skeleton className="h-60" />
          </div>
        ) : series.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            Cannot read the history: {series.error.message}
          </p>
        ) : data ? (
          <>
            <p className="text-xs text-slate-600 dark:text-slate-400" aria-live="polite">
              {rangeTitleOf(data.range)}, from {RESOLUTION_LABELS[data.resolution]}
              {data.points.length > 1 && data.points[0] ? ` (${formatDuration(data.points[0].seconds)} per point)` : ""}
              {series.isFetching && " — updating…"}
            </p>
            <TrafficChart
              title={`${title}, ${rangeTitleOf(data.range)}`}
              series={data.series}
              points={data.points}
              mode={stacked ? "stacked" : "in-out"}
              direction={direction}
              fromS={data.fromS}
              toS={data.toS}
              hasOther={data.plan.withOther}
            />
            <Table aria-label={`${title}: totals over the ${rangeTitleOf(data.range)}`}>
              <THead>
                <tr>
                  <Th>{stacked ? "Series" : "Stable name"}</Th>
                  <Th className="text-right">In (received by the guest)</Th>
                  <Th className="text-right">Out (sent by the guest)</Th>
                  <Th className="text-right">Total</Th>
                </tr>
              </THead>
              <tbody>
                {data.series.map((s, i) => {
                  const t = data.totals[i];
                  if (!t) return null;
                  return (
                    <Tr key={s.label}>
                      <Td className="font-mono">{s.label}</Td>
                      <Td className="text-right tabular-nums" title={formatExactBytes(t.inBytes)}>
                        {formatBytes(t.inBytes)}
                      </Td>
                      <Td className="text-right tabular-nums" title={formatExactBytes(t.outBytes)}>
                        {formatBytes(t.outBytes)}
                      </Td>
                      <Td className="text-right tabular-nums" title={formatExactBytes(t.inBytes + t.outBytes)}>
                        {formatBytes(t.inBytes + t.outBytes)}
                      </Td>
                    </Tr>
                  );
                })}
              </tbody>
            </Table>
            <div className="flex justify-end">
              <a
                className={buttonVariants({ variant: "secondary", size: "sm" })}
                href={rangeCsvHref({ fromS: data.fromS, toS: data.toS, resolution: data.resolution, keys: keysForCsv })}
                download
              >
                <Download className="size-4" aria-hidden />
                Download CSV{keysForCsv.length === 0 ? " (every key)" : ""}
              </a>
            </div>
          </>
        ) : null}
      </CardBody>
    </Card>
  );
}
