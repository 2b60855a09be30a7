import { formatAuditCsvHeader, formatAuditCsvRow, readAuditEventsForExport, ZAuditFilterSchema } from "~/server/audit/audit-repository";
import { verifyApiToken } from "~/server/auth/server";
import { db } from "~/server/db";

/**
 * The audit log as CSV (oldest first), for a signed-in user or an API token
 * (read scope is enough). Filters as query parameters: actor, operation,
 * target, outcome (ok, error, refused), from and to (ISO 8601).
 */
export async function GET(request: Request): Promise<Response> {
  const authorization = await verifyApiToken(request, "read");
  if (!authorization.ok) return authorization.response;
  const query = new URL(request.url).searchParams;
  const date = (value: string | null) => (value ? new Date(value) : undefined);
  const filter = ZAuditFilterSchema.safeParse({
    actor: query.get("actor") || undefined,
    operation: query.get("operation") || undefined,
    target: query.get("target") || undefined,
    outcome: query.get("outcome") || undefined,
    from: date(query.get("from")),
    to: date(query.get("to")),
  });
  if (!filter.success) return new Response(`bad filter: ${filter.error.issues.map((i) => i.message).join("; ")}\n`, { status: 400 });
  const encoder = new TextEncoder();
  const events = readAuditEventsForExport(db, filter.data);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(formatAuditCsvHeader()));
    },
    async pull(controller) {
      const next = await events.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(formatAuditCsvRow(next.value)));
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "");
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="vifdeck-audit-${stamp}.csv"`,
      "cache-control": "no-store",
    },
  });
}

export const dynamic = "force-dynamic";
