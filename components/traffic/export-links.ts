/**
 * Links to the CSV export route handlers (app/api/export/**, the accounting
 * side's; signed-in sessions or API tokens). One place, so a change of their
 * URLs is one edit here.
 */
export function billCsvHref(period: string): string {
  return `/api/export/bill?${new URLSearchParams({ month: period }).toString()}`;
}

export function rangeCsvHref(options: { fromS: number; toS: number; resolution: string; keys?: string[] }): string {
  const params = new URLSearchParams({ from: String(options.fromS), to: String(options.toS), resolution: options.resolution });
  for (const key of options.keys ?? []) params.append("key", key);
  return `/api/export/range?${params.toString()}`;
}
