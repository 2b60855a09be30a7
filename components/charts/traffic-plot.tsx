"use client";

import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { BaseTickContentProps } from "recharts/types/util/types";

import { formatAxisBits, formatBitsPerSecond, formatTick, formatTimestamp } from "./format";

export type TPlotRow = Record<string, number>;
export type TPlotArea = { key: string; label: string; color: string };

const TICK_STEPS_S = [60, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400, 61 * 86_400];
const MAX_TIME_TICKS = 7;

/**
 * Ticks of the time axis at round steps, at most MAX_TIME_TICKS. Given with `interval={0}` they
 * spare Recharts its tick thinning, which measures every label in the DOM (a forced layout per
 * label): the chart renders in a fraction of the time.
 */
export function timeTicks(fromS: number, toS: number): number[] {
  const span = Math.max(1, toS - fromS);
  const step = TICK_STEPS_S.find((s) => span / s <= MAX_TIME_TICKS) ?? Math.ceil(span / MAX_TIME_TICKS);
  const ticks: number[] = [];
  for (let t = Math.ceil(fromS / step) * step; t <= toS; t += step) ticks.push(t);
  return ticks;
}

const DY = { start: "0.71em", middle: "0.355em", end: "0" } as const;

/**
 * An axis label as a plain SVG text. Recharts' own tick (its Text component, given the axis width)
 * measures every word in the DOM to wrap it, a forced layout each; a one-line tick needs none.
 */
function renderTick({ x, y, payload, index, textAnchor, verticalAnchor, tickFormatter }: BaseTickContentProps) {
  const value: unknown = payload.value;
  return (
    <text x={x} y={y} dy={DY[verticalAnchor]} textAnchor={textAnchor} fill="currentColor" fontSize={11}>
      {tickFormatter ? tickFormatter(value, index) : String(value)}
    </text>
  );
}

/** The Recharts part of TrafficChart, in its own module so it loads after the page paints. */
export function TrafficPlot({
  data,
  areas,
  mode,
  fromS,
  toS,
  height,
}: {
  data: TPlotRow[];
  areas: TPlotArea[];
  mode: "in-out" | "stacked";
  fromS: number;
  toS: number;
  height: number;
}) {
  const span = toS - fromS;
  return (
    <AreaChart responsive accessibilityLayer={false} data={data} style={{ width: "100%", height }} margin={{ top: 8, right: 12, bottom: 0, left: 4 }}>
      <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.2} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={[fromS, toS]}
        ticks={timeTicks(fromS, toS)}
        interval={0}
        tickFormatter={(t: number) => formatTick(t, span)}
        stroke="currentColor"
        tick={renderTick}
      />
      <YAxis
        tickFormatter={(v: number) => formatAxisBits(v)}
        stroke="currentColor"
        tick={renderTick}
        width={48}
        interval={0}
        label={{ value: "bit/s", angle: -90, position: "insideLeft", fill: "currentColor", fontSize: 11 }}
      />
      <Tooltip
        isAnimationActive={false}
        labelFormatter={(t) => formatTimestamp(Number(t))}
        formatter={(value, name) => [formatBitsPerSecond(Number(value)), areas.find((a) => a.key === name)?.label ?? String(name)]}
        contentStyle={{ fontSize: 12 }}
      />
      {areas.map((a) => (
        <Area
          key={a.key}
          dataKey={a.key}
          name={a.key}
          type="linear"
          stroke={a.color}
          fill={a.color}
          fillOpacity={mode === "stacked" ? 0.55 : 0.18}
          strokeWidth={1.5}
          dot={false}
          isAnimationActive={false}
          {...(mode === "stacked" ? { stackId: "1" } : {})}
        />
      ))}
    </AreaChart>
  );
}
