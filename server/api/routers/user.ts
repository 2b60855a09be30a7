import { TRPCError } from "@trpc/server";
import { z } from "zod";

import { adminProcedure, createTRPCRouter, publicProcedure } from "~/server/api/trpc";
import { ZPasswordSchema, ZRoleSchema, ZTokenScopeSchema, ZUsernameSchema } from "~/server/auth/roles";
import {
  createUser,
  listUsers,
  resetUserPassword,
  setUserDisabled,
  setUserRole,
  UserError,
  ZUserSchema,
} from "~/server/auth/users";

const ZMeSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("user"), username: z.string(), role: ZRoleSchema }),
    z.strictObject({ kind: z.literal("token"), name: z.string(), scope: ZTokenScopeSchema }),
  ])
  .nullable();

const ZUserIdSchema = z.string().min(1).max(64);

/** better-auth's and the repository's refusals as tRPC errors. */
async function mapUserErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserError) throw new TRPCError({ code: error.code, message: error.message, cause: error });
    throw error;
  }
}

export const userRouter = createTRPCRouter({
  /** Who is signed in (null: nobody), for the user menu and for hiding what a viewer may not do. */
  me: publicProcedure.output(ZMeSchema).query(({ ctx }) => {
    const p = ctx.principal;
    if (p.kind === "user") return { kind: "user" as const, username: p.username, role: p.role };
    if (p.kind === "token") return { kind: "token" as const, name: p.name, scope: p.scope };
    return null;
  }),

  list: adminProcedure.output(z.array(ZUserSchema)).query(({ ctx }) => listUsers(ctx.db)),

  create: adminProcedure
    .input(z.strictObject({ username: ZUsernameSchema, password: ZPasswordSchema, role: ZRoleSchema }))
    .output(ZUserSchema)
    .mutation(({ ctx, input }) => mapUserErrors(() => createUser(ctx.auth, ctx.db, input))),

  /** A new role takes effect at once: the user's sessions end and they sign in again. */
  setRole: adminProcedure
    .input(z.strictObject({ id: ZUserIdSchema, role: ZRoleSchema }))
    .output(ZUserSchema)
    .mutation(({ ctx, input }) => mapUserErrors(() => setUserRole(ctx.db, input.id, input.role))),

  /** A disabled user cannot sign in, and their sessions end. */
  setDisabled: adminProcedure
    .input(z.strictObject({ id: ZUserIdSchema, disabled: z.boolean() }))
    .output(ZUserSchema)
    .mutation(({ ctx, input }) => mapUserErrors(() => setUserDisabled(ctx.db, input.id, input.disabled))),

  resetPassword: adminProcedure
    .input(z.strictObject({ id: ZUserIdSchema, password: ZPasswordSchema }))
    .output(ZUserSchema)
    .mutation(({ ctx, input }) => mapUserErrors(() => resetUserPassword(ctx.auth, ctx.db, input.id, input.password))),
});
