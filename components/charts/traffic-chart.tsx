"use client";

import dynamic from "next/dynamic";
import { useId, useMemo, useState } from "react";

import { Button } from "~/components/ui/button";
import { formatUtc, useHydrated } from "~/components/ui/local-time";
import { Table, Td, Th, THead, Tr } from "~/components/ui/table";
import type { TChartPoint } from "~/server/api/routers/traffic";

import { formatBitsPerSecond, formatTimestamp } from "./format";
import type { TPlotArea, TPlotRow } from "./traffic-plot";

/**
 * Recharts (about 110 kB gzipped, and the costliest render of the page) is loaded after the page
 * has painted: the figure around it — legend, summary, data table — is server-rendered with the
 * data, so the page's largest text paints with the HTML and the plot fills its reserved box.
 */
const TrafficPlot = dynamic(() => import("./traffic-plot").then((m) => m.TrafficPlot), { ssr: false });

/**
 * The bandwidth chart: Recharts areas in bits per second over time, with a
 * text alternative — a one-line summary (the chart's accessible name) and a
 * data table behind a toggle. `in-out` draws one series' in and out;
 * `stacked` stacks several series (domains, bridges) in one direction.
 * Directions are as seen from the guest.
 */

export const SERIES_COLORS = ["#0284c7", "#d97706", "#059669", "#7c3aed", "#db2777", "#0d9488", "#65a30d", "#dc2626", "#4f46e5"] as const;
export const OTHER_COLOR = "#64748b";
export const IN_COLOR = "#0284c7";
export const OUT_COLOR = "#d97706";

export type TrafficChartProps = {
  /** What the chart shows, e.g. "web1, last 24 hours": names the figure and the table. */
  title: string;
  series: Array<{ label: string }>;
  points: TChartPoint[];
  mode: "in-out" | "stacked";
  /** Stacked mode: which direction is drawn. */
  direction?: "in" | "out";
  /** Time domain, epoch seconds. */
  fromS: number;
  toS: number;
  height?: number;
  /** The last series is "Other" (drawn grey). */
  hasOther?: boolean;
};


function colorOf(index: number, count: number, hasOther: boolean): string {
  if (hasOther && index === count - 1) return OTHER_COLOR;
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? OTHER_COLOR;
}

/** The chart in one sentence; `formatTime` writes a peak's time (see useHydrated). */
function summarise(props: TrafficChartProps, formatTime: (epochS: number) => string): string {
  const { points, series, mode, direction = "in" } = props;
  if (points.length === 0) return `${props.title}: no data yet.`;
  if (mode === "in-out") {
    const stat = (pick: (p: TChartPoint) => number) => {
      let sum = 0;
      let seconds = 0;
      let peak = 0;
      let peakAt = points[0]?.start ?? 0;
      for (const p of points) {
        const v = pick(p);
        sum += v * p.seconds;
        seconds += p.seconds;
        if (v > peak) {
          peak = v;
          peakAt = p.start;
        }
      }
      return { avg: seconds > 0 ? sum / seconds : 0, peak, peakAt };
    };
    const i = stat((p) => p.inBps[0] ?? 0);
    const o = stat((p) => p.outBps[0] ?? 0);
    const latest = points[points.length - 1];
    return (
      `${props.title}: in (received by the guest) averages ${formatBitsPerSecond(i.avg)}, peak ${formatBitsPerSecond(i.peak)} at ${formatTime(i.peakAt)}; ` +
      `out (sent by the guest) averages ${formatBitsPerSecond(o.avg)}, peak ${formatBitsPerSecond(o.peak)} at ${formatTime(o.peakAt)}. ` +
      `Latest: in ${formatBitsPerSecond(latest?.inBps[0] ?? 0)}, out ${formatBitsPerSecond(latest?.outBps[0] ?? 0)}.`
    );
  }
  const pick = (p: TChartPoint) => (direction === "in" ? p.inBps : p.outBps);
  let seconds = 0;
  const sums = series.map(() => 0);
  for (const p of points) {
    seconds += p.seconds;
    pick(p).forEach((v, i) => (sums[i] = (sums[i] ?? 0) + v * p.seconds));
  }
  const ranked = series
    .map((s, i) => ({ label: s.label, avg: seconds > 0 ? (sums[i] ?? 0) / seconds : 0 }))
    .sort((a, b) => b.avg - a.avg)
    .slice(0, 3)
    .map((s) => `${s.label} ${formatBitsPerSecond(s.avg)}`);
  const what = direction === "in" ? "in (received by the guests)" : "out (sent by the guests)";
  return `${props.title}, ${what}, stacked by ${series.length} series. Highest averages: ${ranked.join(", ")}.`;
}

export function TrafficChart(props: TrafficChartProps) {
  const { series, points, mode, direction = "in", fromS, toS, height = 240, hasOther = false } = props;
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  // Server-rendered with the data now: peak times in UTC until hydrated, then in the reader's zone.
  const hydrated = useHydrated();
  const summary = summarise(props, hydrated ? (epochS) => formatTimestamp(epochS, false) : (epochS) => formatUtc(new Date(epochS * 1000)).slice(0, -7) + " UTC");

  const data = useMemo<TPlotRow[]>(
    () =>
      points.map((p) => {
        const row: TPlotRow = { t: p.start };
        if (mode === "in-out") {
          row.in = p.inBps[0] ?? 0;
          row.out = p.outBps[0] ?? 0;
        } else {
          const values = direction === "in" ? p.inBps : p.outBps;
          values.forEach((v, i) => (row[`s${i}`] = v));
        }
        return row;
      }),
    [points, mode, direction],
  );

  const areas: TPlotArea[] =
    mode === "in-out"
      ? [
          { key: "in", label: "In (received by the guest)", color: IN_COLOR },
          { key: "out", label: "Out (sent by the guest)", color: OUT_COLOR },
        ]
      : series.map((s, i) => ({ key: `s${i}`, label: s.label, color: colorOf(i, series.length, hasOther) }));

  return (
    <figure className="space-y-2">
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700 dark:text-slate-300" aria-label="Legend">
        {areas.map((a) => (
          <li key={a.key} className="flex items-center gap-1.5">
            <span className="inline-block size-2.5 rounded-sm" style={{ backgroundColor: a.color }} aria-hidden />
            <span className="font-mono">{a.label}</span>
          </li>
        ))}
      </ul>
      <div role="img" aria-label={summary} className="text-slate-600 dark:text-slate-400" style={{ height }}>
        <TrafficPlot data={data} areas={areas} mode={mode} fromS={fromS} toS={toS} height={height} />
      </div>
      <figcaption className="flex items-start justify-between gap-3 text-xs text-slate-600 dark:text-slate-400">
        <span>{summary}</span>
        <Button size="sm" variant="ghost" aria-expanded={showTable} aria-controls={tableId} onClick={() => setShowTable((v) => !v)}>
          {showTable ? "Hide data table" : "Show data table"}
        </Button>
      </figcaption>
      {showTable && (
        <div id={tableId} className="max-h-80 overflow-y-auto rounded-md border border-slate-200 dark:border-slate-800">
          <Table aria-label={`${props.title}: data`}>
            <THead>
              <tr>
                <Th>Time</Th>
                {areas.map((a) => (
                  <Th key={a.key} className="text-right">
                    {a.label}
                    {mode === "stacked" && ` — ${direction === "in" ? "in (received by the guests)" : "out (sent by the guests)"}`}
                  </Th>
                ))}
              </tr>
            </THead>
            <tbody>
              {[...data].reverse().map((row) => (
                <Tr key={row.t}>
                  <Td className="tabular-nums">{formatTimestamp(row.t ?? 0)}</Td>
                  {areas.map((a) => (
                    <Td key={a.key} className="text-right tabular-nums">
                      {formatBitsPerSecond(row[a.key] ?? 0)}
                    </Td>
                  ))}
                </Tr>
              ))}
            </tbody>
          </Table>
        </div>
      )}
    </figure>
  );
}
