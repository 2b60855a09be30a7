import { z } from "zod";

import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";
import { queryAuditEvents, ZAuditEventSchema, ZAuditFilterSchema } from "~/server/audit/audit-repository";

export const auditRouter = createTRPCRouter({
  /** Newest first, a page at a time (`before`: the last id of the previous page). */
  list: viewerProcedure
    .input(
      z.strictObject({
        filter: ZAuditFilterSchema,
        limit: z.number().int().min(1).max(500).default(100),
        before: z.number().int().positive().optional(),
      }),
    )
    .output(z.strictObject({ events: z.array(ZAuditEventSchema), nextBefore: z.number().int().nullable() }))
    .query(async ({ ctx, input }) => {
      const events = await queryAuditEvents(ctx.db, input.filter, { limit: input.limit + 1, before: input.before });
      const page = events.slice(0, input.limit);
      return { events: page, nextBefore: events.length > input.limit ? (page.at(-1)?.id ?? null) : null };
    }),
});
