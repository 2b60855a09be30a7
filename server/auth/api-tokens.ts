import { createHash, randomBytes, randomUUID } from "node:crypto";

import { z } from "zod";

import type { Db } from "~/server/db";

import { ZTokenScopeSchema, type Principal, type TTokenScope } from "./roles";

/**
 * API tokens for scripts, /api/metrics and CSV export: `vfd_` + 43
 * characters of base64url (256 random bits). Only the SHA-256 of a token is
 * stored (a token that random needs no slow hash); the token itself is shown
 * once, at creation. Revoked tokens stay listed, refused.
 */
export const API_TOKEN_PREFIX = "vfd_";
const TOKEN_PATTERN = /^vfd_[A-Za-z0-9_-]{43}$/;

export const ZApiTokenSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  scope: ZTokenScopeSchema,
  prefix: z.string(),
  createdAt: z.date(),
  createdBy: z.string(),
  lastUsedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  revokedBy: z.string().nullable(),
});
export type TApiToken = z.infer<typeof ZApiTokenSchema>;

export const ZTokenNameSchema = z.string().trim().min(1).max(64);

export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export async function createApiToken(
  db: Db,
  input: { name: string; scope: TTokenScope; createdBy: string; expiresAt?: Date | null },
): Promise<{ token: string; record: TApiToken }> {
  const token = generateApiToken();
  const row = await db.apiToken.create({
    data: {
      id: randomUUID(),
      name: input.name,
      scope: input.scope,
      prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
      hash: hashApiToken(token),
      createdBy: input.createdBy,
      expiresAt: input.expiresAt ?? null,
    },
  });
  return { token, record: toApiToken(row) };
}

export async function listApiTokens(db: Db): Promise<TApiToken[]> {
  const rows = await db.apiToken.findMany({ orderBy: { createdAt: "desc" } });
  return rows.map(toApiToken);
}

/** Refuses the token from now on (idempotent); false if there is no such token. */
export async function revokeApiToken(db: Db, id: string, revokedBy: string): Promise<boolean> {
  const { count } = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date(), revokedBy } });
  if (count > 0) return true;
  return (await db.apiToken.count({ where: { id } })) > 0;
}

/** The principal of a bearer token, or null (unknown, malformed, revoked or expired). */
export async function findApiTokenPrincipal(db: Db, token: string, now = new Date()): Promise<Principal | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await db.apiToken.findUnique({ where: { hash: hashApiToken(token) } });
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  const scope = ZTokenScopeSchema.safeParse(row.scope);
  if (!scope.success) return null;
  // Last use, at most once a minute (a scraper every 15 s need not write each time).
  if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { kind: "token", tokenId: row.id, name: row.name, scope: scope.data };
}

/** The token of an `Authorization: Bearer …` header; null without one; "" when malformed. */
export function readBearerToken(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (authorization === null) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1] ?? "";
}

function toApiToken(row: Awaited<ReturnType<Db["apiToken"]["create"]>>): TApiToken {
  return ZApiTokenSchema.parse({
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    revokedBy: row.revokedBy,
  });
}
