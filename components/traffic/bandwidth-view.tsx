"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";
import { Input, Label } from "~/components/ui/input";
import { useTRPC } from "~/components/trpc-provider";
import type { TTarget } from "~/server/api/routers/traffic";

import { HistoryTrafficCard } from "./history-traffic-card";
import { LiveTrafficCard } from "./live-traffic-card";
import { Segmented } from "./segmented";

export type BandwidthViewKind = "key" | "domain" | "bridge";

const VIEW_OPTIONS = [
  { value: "key", label: "One stable name" },
  { value: "domain", label: "Stacked by domain" },
  { value: "bridge", label: "Stacked by bridge" },
] as const;

/**
 * The Bandwidth page's charts: one key (a guest vif by stable name, or a host
 * interface), or every guest stacked by domain or by bridge (the top eight
 * and the rest). The choice is kept in the URL (?view=…&key=…).
 */
export function BandwidthView({ initialView, initialKey }: { initialView: BandwidthViewKind; initialKey: string | null }) {
  const [view, setView] = useState<BandwidthViewKind>(initialView);
  const [key, setKey] = useState<string | null>(initialKey);
  const trpc = useTRPC();
  // The first guest key, as a default for the one-key view.
  const first = useQuery(trpc.traffic.keys.queryOptions({ limit: 1 }, { enabled: view === "key" && key === null }));
  const shownKey = key ?? first.data?.[0]?.key ?? null;

  const remember = (nextView: BandwidthViewKind, nextKey: string | null) => {
    const params = new URLSearchParams({ view: nextView });
    if (nextKey) params.set("key", nextKey);
    window.history.replaceState(null, "", `/bandwidth?${params.toString()}`);
  };

  let target: TTarget | null = null;
  let title = "";
  if (view === "key") {
    if (shownKey) {
      target = { view: "key", key: shownKey };
      title = shownKey;
    }
  } else {
    target = { view };
    title = view === "domain" ? "guests by domain" : "guests by bridge";
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-4">
        <div className="space-y-1">
          <span id="view-label" className="block text-sm font-medium text-slate-800 dark:text-slate-200">
            View
          </span>
          <Segmented
            label="View"
            value={view}
            options={VIEW_OPTIONS}
            onChange={(next) => {
              setView(next);
              remember(next, next === "key" ? shownKey : null);
            }}
          />
        </div>
        {view === "key" && (
          <KeyPicker
            value={shownKey}
            onPick={(next) => {
              setKey(next);
              remember("key", next);
            }}
          />
        )}
      </div>
      {view === "key" && !shownKey ? (
        first.isPending && key === null ? null : (
          <EmptyState title="No stable name to show yet">The collector has not recorded any interface. Its first ticks arrive within seconds of starting.</EmptyState>
        )
      ) : target ? (
        <div className="space-y-4" key={JSON.stringify(target)}>
          <LiveTrafficCard target={target} title={title} />
          <HistoryTrafficCard target={target} title={title} />
        </div>
      ) : null}
    </div>
  );
}

/** Picks a key by typing: suggestions from the store as you type (a datalist), Enter or "Show" to choose. */
function KeyPicker({ value, onPick }: { value: string | null; onPick: (key: string) => void }) {
  const trpc = useTRPC();
  const inputId = useId();
  const listId = useId();
  const [text, setText] = useState(value ?? "");
  const suggestions = useQuery(trpc.traffic.keys.queryOptions({ search: text.trim() || undefined, limit: 30 }, { staleTime: 30_000 }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = text.trim();
    if (chosen) onPick(chosen);
  };
  return (
    <form onSubmit={submit} className="flex items-end gap-2" role="search" aria-label="Choose a stable name">
      <div className="space-y-1">
        <Label htmlFor={inputId}>Stable name</Label>
        <Input
          id={inputId}
          list={listId}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="web1, db1/1, xenbr0…"
          autoComplete="off"
          spellCheck={false}
          className="w-64 font-mono"
        />
        <datalist id={listId}>
          {(suggestions.data ?? []).map((k) => (
            <option key={k.key} value={k.key}>
              {k.kind === "guest" ? `${k.domain ?? ""} · ${k.bridge ?? "routed"}` : k.category}
            </option>
          ))}
        </datalist>
      </div>
      <Button type="submit" variant="primary">
        Show
      </Button>
    </form>
  );
}
