import type { Db } from "~/server/db";

import { findApiTokenPrincipal, readBearerToken } from "./api-tokens";
import type { Auth } from "./auth";
import { ANONYMOUS, ZRoleSchema, type Principal } from "./roles";

/**
 * Who sends a request: an `Authorization: Bearer vfd_…` API token if the
 * header is there (and then only the token counts, never a cookie too), else
 * the better-auth session of the cookie. Disabled users and unknown, revoked
 * or expired tokens are anonymous.
 */
export type ResolvedPrincipal = { principal: Principal; via: "token" | "session" | "none" };

export async function resolvePrincipal(headers: Headers, deps: { db: Db; auth: Auth }): Promise<ResolvedPrincipal> {
  const bearer = readBearerToken(headers);
  if (bearer !== null) {
    const principal = bearer ? await findApiTokenPrincipal(deps.db, bearer) : null;
    return { principal: principal ?? ANONYMOUS, via: "token" };
  }
  const session = await deps.auth.api.getSession({ headers }).catch(() => null);
  if (!session) return { principal: ANONYMOUS, via: "none" };
  const user = session.user as typeof session.user & { role?: unknown; disabled?: unknown; username?: unknown };
  const role = ZRoleSchema.safeParse(user.role);
  if (user.disabled === true || !role.success) return { principal: ANONYMOUS, via: "session" };
  const username = typeof user.username === "string" ? user.username : user.name;
  return { principal: { kind: "user", userId: user.id, username, role: role.data }, via: "session" };
}
