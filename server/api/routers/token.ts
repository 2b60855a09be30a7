import { TRPCError } from "@trpc/server";
import { z } from "zod";

import { adminProcedure, createTRPCRouter } from "~/server/api/trpc";
import {
  createApiToken,
  listApiTokens,
  revokeApiToken,
  ZApiTokenSchema,
  ZTokenNameSchema,
} from "~/server/auth/api-tokens";
import { nameActor, ZTokenScopeSchema } from "~/server/auth/roles";

export const tokenRouter = createTRPCRouter({
  list: adminProcedure.output(z.array(ZApiTokenSchema)).query(({ ctx }) => listApiTokens(ctx.db)),

  /** The token itself is in this answer only (the audit log redacts it); the database keeps its SHA-256. */
  create: adminProcedure
    .input(
      z.strictObject({
        name: ZTokenNameSchema,
        scope: ZTokenScopeSchema,
        expiresInDays: z.number().int().min(1).max(3650).nullable(),
      }),
    )
    .output(z.strictObject({ token: z.string(), record: ZApiTokenSchema }))
    .mutation(({ ctx, input }) =>
      createApiToken(ctx.db, {
        name: input.name,
        scope: input.scope,
        createdBy: nameActor(ctx.principal),
        expiresAt: input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000),
      }),
    ),

  revoke: adminProcedure
    .input(z.strictObject({ id: z.string().min(1).max(64) }))
    .output(z.strictObject({ id: z.string(), revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      if (!(await revokeApiToken(ctx.db, input.id, nameActor(ctx.principal)))) {
        throw new TRPCError({ code: "NOT_FOUND", message: "no such token" });
      }
      return { id: input.id, revoked: true as const };
    }),
});
