import { z } from "zod";

/** viewer reads everything; admin also changes the host and manages users and tokens. */
export const ZRoleSchema = z.enum(["viewer", "admin"]);
export type TRole = z.infer<typeof ZRoleSchema>;

/** An API token's scope: read (what a viewer may) or admin (what an admin may). */
export const ZTokenScopeSchema = z.enum(["read", "admin"]);
export type TTokenScope = z.infer<typeof ZTokenScopeSchema>;

/** Who makes a request: a signed-in user, an API token, or nobody. */
export type Principal =
  | { kind: "user"; userId: string; username: string; role: TRole }
  | { kind: "token"; tokenId: string; name: string; scope: TTokenScope }
  | { kind: "anonymous" };

export const ANONYMOUS: Principal = { kind: "anonymous" };

export function isAdmin(principal: Principal): boolean {
  return (principal.kind === "user" && principal.role === "admin") || (principal.kind === "token" && principal.scope === "admin");
}

export function isSignedIn(principal: Principal): boolean {
  return principal.kind !== "anonymous";
}

/** How the audit log names a principal. */
export function nameActor(principal: Principal): string {
  switch (principal.kind) {
    case "user":
      return principal.username;
    case "token":
      return `token:${principal.name}`;
    case "anonymous":
      return "anonymous";
  }
}

/** better-auth requires an email address; vifdeck signs in by username and fills this one in. */
export function emailForUsername(username: string): string {
  return `${username}@users.vifdeck.invalid`;
}

export const ZUsernameSchema = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, "lower-case letters, digits, '_', '.', '-'");

/** At least 10 characters: long beats complex; at most 128 (better-auth's limit). */
export const ZPasswordSchema = z.string().min(10, "at least 10 characters").max(128);
