import type { Db, DbKind } from "~/server/db";

import { computeBills } from "./billing";
import type { Resolution } from "./buckets";
import { formatLocal, type Period } from "./calendar";
import { KEY_COUNTER_NAMES } from "./identity";
import { bucketSource } from "./queries";
import { placeholderFor } from "./store";

/**
 * CSV exports (RFC 4180, header row, CRLF). Times are local ISO 8601 with
 * the offset of the accounting time zone; bytes are exact integers; `in`/`out`
 * follow the store's direction convention (in = into the guest / interface).
 */

export function csvField(value: string | number | bigint | null): string {
  if (value === null) return "";
  let text = String(value);
  // A cell starting with = + - @ is a formula to spreadsheets: neutralise text cells (not numbers).
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(fields: Array<string | number | bigint | null>): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

const COUNTER_HEADERS = ["in_bytes", "out_bytes", "in_packets", "out_packets", "in_errors", "out_errors", "in_drops", "out_drops"];

/** Every bucket of a resolution in [fromS, toS), per key (all keys, or `keys`). */
export async function exportRangeCsv(
  db: Db,
  kind: DbKind,
  options: { fromS: number; toS: number; resolution: Resolution; timeZone: string; keys?: string[] },
): Promise<string> {
  const ph = placeholderFor(kind);
  // Named keys: their ids first, so that a few keys' fine rows are sought, not scanned (bucketSource).
  let keyed: { keyIds: number[]; fromS: number; toS: number } | undefined;
  if (options.keys && options.keys.length > 0) {
    const found = await db.accountingKey.findMany({ where: { key: { in: options.keys } }, select: { id: true } });
    keyed = { keyIds: found.map((k) => k.id), fromS: options.fromS, toS: options.toS };
  }
  let out = csvLine(["key", "domain", "devid", "vifname", "bucket_start", "resolution", ...COUNTER_HEADERS]);
  if (keyed?.keyIds.length === 0) return out;
  const filter = keyed ? ` AND b."keyId" IN (${keyed.keyIds.join(", ")})` : "";
  const sums = KEY_COUNTER_NAMES.map((name) => `SUM(b."${name}") AS "${name}"`).join(", ");
  const columns = KEY_COUNTER_NAMES.map((name) => `CAST(s."${name}" AS TEXT) AS "${name}"`).join(", ");
  // bucketSource: current to the last tick, where a bucket may come in several rows (summed).
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT k."key" AS "key", k."domain" AS "domain", k."devid" AS "devid", k."vifname" AS "vifname", CAST(s."start" AS TEXT) AS "start", ${columns} ` +
      `FROM (SELECT b."keyId" AS "keyId", b."start" AS "start", ${sums} FROM ${bucketSource(options.resolution, keyed)} b ` +
      `WHERE b."start" >= ${ph(1)} AND b."start" < ${ph(2)}${filter} GROUP BY b."keyId", b."start") s ` +
      `JOIN "AccountingKey" k ON k."id" = s."keyId" ORDER BY k."key", s."start"`,
    options.fromS,
    options.toS,
  );
  for (const row of rows) {
    out += csvLine([
      String(row.key),
      row.domain === null ? null : String(row.domain),
      row.devid === null ? null : Number(row.devid),
      row.vifname === null ? null : String(row.vifname),
      formatLocal(Number(row.start), options.timeZone),
      options.resolution,
      ...KEY_COUNTER_NAMES.map((name) => BigInt(String(row[name]))),
    ]);
  }
  return out;
}

/** A billing period's bill per key: transfer, 95th percentiles (bits/s), quota use. */
export async function exportBillCsv(db: Db, kind: DbKind, period: Period, nowS: number, timeZone: string): Promise<string> {
  const bills = await computeBills(db, kind, period, nowS);
  let out = csvLine([
    "period",
    "period_start",
    "period_end",
    "key",
    "in_bytes",
    "out_bytes",
    "total_bytes",
    "samples_5min",
    "p95_in_bps",
    "p95_out_bps",
    "p95_billable_bps",
    "quota_metric",
    "quota_bytes",
    "quota_used_percent",
  ]);
  for (const bill of bills) {
    out += csvLine([
      period.label,
      formatLocal(period.start, timeZone),
      formatLocal(period.end, timeZone),
      bill.key,
      bill.inBytes,
      bill.outBytes,
      bill.inBytes + bill.outBytes,
      bill.samples,
      Math.round(bill.p95InBps),
      Math.round(bill.p95OutBps),
      Math.round(bill.p95BillableBps),
      bill.quota?.metric ?? null,
      bill.quota?.monthlyBytes ?? null,
      bill.quota ? bill.quota.percent : null,
    ]);
  }
  return out;
}
