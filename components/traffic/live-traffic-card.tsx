"use client";

import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useMemo, useState } from "react";

import { formatBitsPerSecond } from "~/components/charts/format";
import { TrafficChart } from "~/components/charts/traffic-chart";
import { Badge } from "~/components/ui/badge";
import { Card, CardBody, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { LocalTime } from "~/components/ui/local-time";
import { useTRPC } from "~/components/trpc-provider";
import type { TChartPoint, TSeriesOutput, TTarget } from "~/server/api/routers/traffic";

import { DirectionNote } from "./direction-note";
import { Segmented } from "./segmented";


/** The live window: the last hour of collector ticks, extended as new ticks arrive. */
const WINDOW_S = 3600;

/**
 * A live chart: the last hour of fine buckets from a query, then every new
 * bucket from the `traffic.live` subscription (SSE). The subscription starts
 * after the query's newest bucket (its lastEventId), and after a dropped
 * connection the link resumes from the last bucket received, so nothing is
 * missed or drawn twice; no reload needed.
 */
export function LiveTrafficCard({ target, title }: { target: TTarget; title: string }) {
  const trpc = useTRPC();
  const base = useQuery(
    trpc.traffic.series.queryOptions({ target, range: "1h" }, { staleTime: Infinity, refetchOnWindowFocus: false, refetchOnReconnect: false }),
  );
  return (
    <Card aria-label={`Live: ${title}`}>
      <CardHeader>
        <CardTitle>Live — {title}</CardTitle>
        <DirectionNote />
      </CardHeader>
      <CardBody>
        {base.isPending ? (
          <div role="status" aria-busy="true" aria-label="Loading the live chart">
            <Skeleton className="h-60" />
          </div>
        ) : base.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            Cannot read the traffic: {base.error.message}
          </p>
        ) : (
          <LiveChart key={base.dataUpdatedAt} base={base.data} title={title} />
        )}
      </CardBody>
    </Card>
  );
}

function LiveChart({ base, title }: { base: TSeriesOutput; title: string }) {
  const trpc = useTRPC();
  const stacked = base.plan.selectors.length > 1 || base.plan.withOther || base.plan.selectors[0]?.by !== "key";
  const [direction, setDirection] = useState<"in" | "out">("in");
  const [added, setAdded] = useState<TChartPoint[]>([]);
  const lastBaseStart = base.points[base.points.length - 1]?.start;
  const input = useMemo(
    () => ({ plan: base.plan, lastEventId: lastBaseStart === undefined || base.lastTickAt === null ? null : String(lastBaseStart) }),
    [base.plan, base.lastTickAt, lastBaseStart],
  );
  const live = useSubscription(
    trpc.traffic.live.subscriptionOptions(input, {
      onData: (event) => {
        const point = event.data;
        setAdded((prev) => {
          const newest = prev[prev.length - 1]?.start ?? lastBaseStart ?? -Infinity;
          if (point.start <= newest) return prev;
          const next = [...prev, point];
          return next.length > 2000 ? next.slice(next.length - 2000) : next;
        });
      },
    }),
  );

  const newestStart = added[added.length - 1]?.start ?? lastBaseStart;
  const toS = newestStart === undefined ? base.toS : Math.max(base.toS, newestStart + (added[added.length - 1]?.seconds ?? base.bucketS));
  const fromS = toS - WINDOW_S;
  const points = useMemo(() => [...base.points, ...added].filter((p) => p.start >= fromS), [base.points, added, fromS]);
  const latest = points[points.length - 1];

  const state =
    live.status === "pending" ? { tone: "good" as const, text: "Live" } : live.status === "error" ? { tone: "bad" as const, text: "Disconnected" } : { tone: "warn" as const, text: "Connecting…" };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-2 text-sm" aria-live="polite">
          <Badge tone={state.tone} data-testid="live-status">
            {state.text}
          </Badge>
          {latest && !stacked && (
            <span className="tabular-nums text-slate-700 dark:text-slate-300" data-testid="live-latest" data-start={latest.start}>
              <span className="sr-only">Latest tick: </span>
              <LatestRate point={latest} />
            </span>
          )}
          {latest && stacked && (
            <span className="text-xs text-slate-600 dark:text-slate-400" data-testid="live-latest" data-start={latest.start}>
              updated <LocalTime date={new Date(latest.start * 1000)} style="time" />
            </span>
          )}
        </div>
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
      {live.status === "error" && live.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          The live feed stopped: {live.error.message}.{" "}
          <button type="button" className="underline focus-visible:outline-2 focus-visible:outline-sky-600" onClick={() => live.reset()}>
            Reconnect
          </button>
        </p>
      )}
      {base.lastTickAt === null && points.every((p) => p.inBps.every((v) => v === 0) && p.outBps.every((v) => v === 0)) && (
        <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
          Waiting for the collector&apos;s first ticks…
        </p>
      )}
      <TrafficChart
        title={`${title}, live (last hour)`}
        series={base.series}
        points={points}
        mode={stacked ? "stacked" : "in-out"}
        direction={direction}
        fromS={fromS}
        toS={toS}
        hasOther={base.plan.withOther}
      />
    </div>
  );
}

function LatestRate({ point }: { point: TChartPoint }) {
  return (
    <>
      in <strong className="font-medium">{formatBitsPerSecond(point.inBps[0] ?? 0)}</strong> · out <strong className="font-medium">{formatBitsPerSecond(point.outBps[0] ?? 0)}</strong>
    </>
  );
}
