import { z } from "zod";

import type { Db } from "~/server/db";

/**
 * The audit log's repository: append and read, nothing else. The application
 * never updates or deletes an event; the database refuses to as well (triggers
 * in the auth migration, on SQLite and PostgreSQL).
 */
export const ZAuditOutcomeSchema = z.enum(["ok", "error", "refused"]);
export type TAuditOutcome = z.infer<typeof ZAuditOutcomeSchema>;

export const ZActorKindSchema = z.enum(["user", "token", "anonymous"]);

export const ZAuditEventSchema = z.strictObject({
  id: z.number().int(),
  at: z.date(),
  actor: z.string(),
  actorKind: ZActorKindSchema,
  userId: z.string().nullable(),
  tokenId: z.string().nullable(),
  source: z.string().nullable(),
  operation: z.string(),
  target: z.string().nullable(),
  params: z.string().nullable(),
  command: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  ok: z.boolean(),
  outcome: ZAuditOutcomeSchema,
  result: z.string().nullable(),
  error: z.string().nullable(),
});
export type TAuditEvent = z.infer<typeof ZAuditEventSchema>;

export type TNewAuditEvent = Omit<TAuditEvent, "id" | "at" | "ok"> & { at?: Date };

export const ZAuditFilterSchema = z.strictObject({
  actor: z.string().trim().max(128).optional(),
  operation: z.string().trim().max(128).optional(),
  target: z.string().trim().max(256).optional(),
  outcome: ZAuditOutcomeSchema.optional(),
  from: z.date().optional(),
  to: z.date().optional(),
});
export type TAuditFilter = z.infer<typeof ZAuditFilterSchema>;

export async function appendAuditEvent(db: Db, event: TNewAuditEvent): Promise<TAuditEvent> {
  const row = await db.auditEvent.create({
    data: { ...event, at: event.at ?? new Date(), ok: event.outcome === "ok" },
  });
  return ZAuditEventSchema.parse(row);
}

/** Newest first; `before` (an event id) pages backwards. */
export async function queryAuditEvents(
  db: Db,
  filter: TAuditFilter,
  page: { limit: number; before?: number | undefined },
): Promise<TAuditEvent[]> {
  const rows = await db.auditEvent.findMany({
    where: {
      ...(filter.actor ? { actor: { contains: filter.actor } } : {}),
      ...(filter.operation ? { operation: { contains: filter.operation } } : {}),
      ...(filter.target ? { target: { contains: filter.target } } : {}),
      ...(filter.outcome ? { outcome: filter.outcome } : {}),
      ...(filter.from || filter.to ? { at: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) } } : {}),
      ...(page.before !== undefined ? { id: { lt: page.before } } : {}),
    },
    orderBy: { id: "desc" },
    take: page.limit,
  });
  return rows.map((row) => ZAuditEventSchema.parse(row));
}

/** Every matching event, oldest first, in pages (for the CSV export). */
export async function* readAuditEventsForExport(db: Db, filter: TAuditFilter, pageSize = 1000): AsyncGenerator<TAuditEvent> {
  let after = 0;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: {
        id: { gt: after },
        ...(filter.actor ? { actor: { contains: filter.actor } } : {}),
        ...(filter.operation ? { operation: { contains: filter.operation } } : {}),
        ...(filter.target ? { target: { contains: filter.target } } : {}),
        ...(filter.outcome ? { outcome: filter.outcome } : {}),
        ...(filter.from || filter.to ? { at: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) } } : {}),
      },
      orderBy: { id: "asc" },
      take: pageSize,
    });
    for (const row of rows) yield ZAuditEventSchema.parse(row);
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) return;
    after = last.id;
  }
}

export const AUDIT_CSV_COLUMNS = [
  "id",
  "at",
  "actor",
  "actorKind",
  "source",
  "operation",
  "target",
  "outcome",
  "params",
  "command",
  "exitCode",
  "result",
  "error",
] as const satisfies readonly (keyof TAuditEvent)[];

export function formatAuditCsvHeader(): string {
  return `${AUDIT_CSV_COLUMNS.join(",")}\r\n`;
}

export function formatAuditCsvRow(event: TAuditEvent): string {
  return `${AUDIT_CSV_COLUMNS.map((column) => formatCsvField(event[column])).join(",")}\r\n`;
}

/**
 * RFC 4180 quoting; a field that a spreadsheet would run as a formula (=, +, -, @, tab, CR)
 * gets a leading apostrophe (OWASP's CSV-injection advice).
 */
export function formatCsvField(value: string | number | boolean | Date | null): string {
  if (value === null) return "";
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}
