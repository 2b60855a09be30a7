"use client";

import { useSyncExternalStore } from "react";

const subscribeToNothing = () => () => {};

/**
 * False while React hydrates server-rendered HTML, true from the render right after it (and in
 * every render of a page opened by client-side navigation). Text that depends on the browser's
 * time zone or locale must match the server's HTML during hydration, then switch.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribeToNothing,
    () => true,
    () => false,
  );
}

type TStyle = "datetime" | "date" | "time";

/** The server's rendering of a time: UTC, said so (the server cannot know the reader's zone). */
export function formatUtc(date: Date, style: TStyle = "datetime"): string {
  const iso = date.toISOString();
  if (style === "date") return iso.slice(0, 10);
  if (style === "time") return `${iso.slice(11, 19)} UTC`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** A time in the reader's zone and locale; UTC in the server-rendered HTML, until hydration. */
export function LocalTime({ date, style = "datetime" }: { date: Date; style?: TStyle }) {
  const hydrated = useHydrated();
  const text = !hydrated
    ? formatUtc(date, style)
    : style === "date"
      ? date.toLocaleDateString()
      : style === "time"
        ? date.toLocaleTimeString()
        : date.toLocaleString();
  return <time dateTime={date.toISOString()}>{text}</time>;
}
