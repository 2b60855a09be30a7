/** The history ranges of the bandwidth charts (the server picks each one's resolution). */
export const RANGE_OPTIONS = [
  { value: "1h", label: "1 h", title: "last hour" },
  { value: "6h", label: "6 h", title: "last 6 hours" },
  { value: "24h", label: "24 h", title: "last 24 hours" },
  { value: "7d", label: "7 d", title: "last 7 days" },
  { value: "30d", label: "30 d", title: "last 30 days" },
  { value: "90d", label: "90 d", title: "last 90 days" },
  { value: "13mo", label: "13 mo", title: "last 13 months" },
] as const;

export type RangeId = (typeof RANGE_OPTIONS)[number]["value"];

export function rangeTitleOf(range: RangeId): string {
  return RANGE_OPTIONS.find((r) => r.value === range)?.title ?? range;
}

export const RESOLUTION_LABELS = { fine: "collector ticks", "5m": "5-minute buckets", hour: "hourly buckets", day: "daily buckets" } as const;
