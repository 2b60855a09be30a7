/**
 * Days and billing periods in a configured IANA time zone, with the Intl APIs
 * only. All inputs and outputs are epoch seconds. Daily buckets start at local
 * midnight in the accounting time zone; a billing period runs from local
 * midnight of the billing day (1–28) to the same day of the next month.
 */

type LocalParts = { year: number; month: number; day: number; hour: number; minute: number; second: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError for an unknown zone: use at configuration time. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

function localPartsOf(epochS: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochS * 1000))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in seconds. */
function offsetAt(epochS: number, timeZone: string): number {
  const p = localPartsOf(epochS, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000 - epochS;
}

/** The instant of a local wall-clock time (the earlier one if ambiguous; the next valid one in a DST hole). */
export function epochOfLocal(year: number, month: number, day: number, timeZone: string, hour = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour) / 1000;
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return guess;
}

const dayStarts = new Map<string, number>();

/** Local midnight (in the zone) of the day that contains the instant. */
export function dayStartOf(epochS: number, timeZone: string): number {
  const p = localPartsOf(epochS, timeZone);
  const cacheKey = `${timeZone}|${p.year}-${p.month}-${p.day}`;
  const cached = dayStarts.get(cacheKey);
  if (cached !== undefined) return cached;
  const start = epochOfLocal(p.year, p.month, p.day, timeZone);
  if (dayStarts.size > 10_000) dayStarts.clear();
  dayStarts.set(cacheKey, start);
  return start;
}

export type Period = { start: number; end: number; label: string };

/** The billing period `YYYY-MM` (the month it starts in): from the billing day of that month to the next. */
export function billingPeriod(year: number, month: number, timeZone: string, billingDay: number): Period {
  const nextYear = month === 12 ? year + 1 : year;
  const nextMonth = month === 12 ? 1 : month + 1;
  return {
    start: epochOfLocal(year, month, billingDay, timeZone),
    end: epochOfLocal(nextYear, nextMonth, billingDay, timeZone),
    label: `${year}-${String(month).padStart(2, "0")}`,
  };
}

/** The billing period that contains the instant. */
export function billingPeriodOf(epochS: number, timeZone: string, billingDay: number): Period {
  const p = localPartsOf(epochS, timeZone);
  let { year, month } = p;
  if (p.day < billingDay) {
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
  return billingPeriod(year, month, timeZone, billingDay);
}

/** Parses `YYYY-MM` into a billing period. */
export function parsePeriodLabel(label: string, timeZone: string, billingDay: number): Period {
  const match = /^(\d{4})-(\d{2})$/.exec(label);
  if (!match) throw new RangeError(`"${label}" is not a month: use YYYY-MM`);
  const month = Number(match[2]);
  if (month < 1 || month > 12) throw new RangeError(`"${label}" is not a month: use YYYY-MM`);
  return billingPeriod(Number(match[1]), month, timeZone, billingDay);
}

/** ISO 8601 with the zone's offset, for exports: `2026-03-01T00:00:00+01:00`. */
export function formatLocal(epochS: number, timeZone: string): string {
  const p = localPartsOf(epochS, timeZone);
  const offset = Math.round(offsetAt(epochS, timeZone) / 60);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
