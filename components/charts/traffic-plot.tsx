"use client";

import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";

import { formatAxisBits, formatBitsPerSecond, formatTick, formatTimestamp } from "./format";

export type TPlotRow = Record<string, number>;
export type TPlotArea = { key: string; label: string; color: string };

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
        tickFormatter={(t: number) => formatTick(t, span)}
        stroke="currentColor"
        tick={{ fill: "currentColor", fontSize: 11 }}
        minTickGap={40}
      />
      <YAxis
        tickFormatter={(v: number) => formatAxisBits(v)}
        stroke="currentColor"
        tick={{ fill: "currentColor", fontSize: 11 }}
        width={48}
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
