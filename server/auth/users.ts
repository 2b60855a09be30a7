import { z } from "zod";

import type { Db } from "~/server/db";

import type { Auth } from "./auth";
import { emailForUsername, ZRoleSchema, type TRole } from "./roles";

/**
 * User management through better-auth's internal adapter (its password
 * hashing, its account model), for the tRPC user router and the create-admin
 * command. Changing a role, disabling a user or resetting a password ends the
 * user's sessions.
 */
export const ZUserSchema = z.strictObject({
  id: z.string(),
  username: z.string(),
  role: ZRoleSchema,
  disabled: z.boolean(),
  createdAt: z.date(),
  activeSessions: z.number().int().nonnegative(),
});
export type TUser = z.infer<typeof ZUserSchema>;

export class UserError extends Error {
  constructor(
    readonly code: "CONFLICT" | "NOT_FOUND" | "BAD_REQUEST",
    message: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export async function createUser(auth: Auth, db: Db, input: { username: string; password: string; role: TRole }): Promise<TUser> {
  const context = await auth.$context;
  if (await db.user.findUnique({ where: { username: input.username } })) {
    throw new UserError("CONFLICT", `the user "${input.username}" exists`);
  }
  const hash = await context.password.hash(input.password);
  const user = await context.internalAdapter.createUser({
    name: input.username,
    email: emailForUsername(input.username),
    emailVerified: true,
    username: input.username,
    displayUsername: input.username,
    role: input.role,
    disabled: false,
  }, { method: "admin" });
  await context.internalAdapter.linkAccount({ userId: user.id, providerId: "credential", accountId: user.id, password: hash });
  return readUser(db, user.id);
}

export async function listUsers(db: Db, now = new Date()): Promise<TUser[]> {
  const rows = await db.user.findMany({
    orderBy: { username: "asc" },
    include: { _count: { select: { sessions: { where: { expiresAt: { gt: now } } } } } },
  });
  return rows.map((row) =>
    ZUserSchema.parse({
      id: row.id,
      username: row.username ?? row.name,
      role: row.role,
      disabled: row.disabled,
      createdAt: row.createdAt,
      activeSessions: row._count.sessions,
    }),
  );
}

export async function readUser(db: Db, id: string): Promise<TUser> {
  const user = (await listUsers(db)).find((u) => u.id === id);
  if (!user) throw new UserError("NOT_FOUND", "no such user");
  return user;
}

export async function countUsers(db: Db): Promise<number> {
  return db.user.count();
}

export async function setUserRole(db: Db, id: string, role: TRole): Promise<TUser> {
  await ensureNotLastAdmin(db, id, role === "admin" ? "keep" : "lose");
  await db.user.update({ where: { id }, data: { role } });
  await db.session.deleteMany({ where: { userId: id } });
  return readUser(db, id);
}

export async function setUserDisabled(db: Db, id: string, disabled: boolean): Promise<TUser> {
  if (disabled) await ensureNotLastAdmin(db, id, "lose");
  await db.user.update({ where: { id }, data: { disabled } });
  if (disabled) await db.session.deleteMany({ where: { userId: id } });
  return readUser(db, id);
}

export async function resetUserPassword(auth: Auth, db: Db, id: string, password: string): Promise<TUser> {
  const context = await auth.$context;
  const user = await db.user.findUnique({ where: { id } });
  if (!user) throw new UserError("NOT_FOUND", "no such user");
  const hash = await context.password.hash(password);
  const credential = await context.internalAdapter.findCredentialAccount(id);
  if (credential) await context.internalAdapter.updatePassword(id, hash);
  else await context.internalAdapter.linkAccount({ userId: id, providerId: "credential", accountId: id, password: hash });
  await db.session.deleteMany({ where: { userId: id } });
  return readUser(db, id);
}

/** Refuses a change that would leave no enabled admin (nobody could manage users any more). */
async function ensureNotLastAdmin(db: Db, id: string, change: "keep" | "lose"): Promise<void> {
  const user = await db.user.findUnique({ where: { id } });
  if (!user) throw new UserError("NOT_FOUND", "no such user");
  if (change === "keep" || user.role !== "admin" || user.disabled) return;
  const admins = await db.user.count({ where: { role: "admin", disabled: false } });
  if (admins <= 1) throw new UserError("BAD_REQUEST", "this is the last enabled admin: make another admin first");
}
