import type { Db } from "~/server/db";

/**
 * Login throttling per username and per address, kept in the database (so it
 * survives a restart and holds across processes): after `maxPerUser` failed
 * sign-ins for one username, or `maxPerAddress` from one address, within the
 * window, further attempts are refused without checking the password until the
 * oldest of those failures leaves the window. A successful sign-in clears the
 * username's failures.
 */
export type LoginThrottleSettings = { windowMinutes: number; maxPerUser: number; maxPerAddress: number };

export type LoginThrottleVerdict =
  | { allowed: true }
  | { allowed: false; reason: "username" | "address"; retryAfterSeconds: number };

/** The address the throttle counts when none is known: all such attempts share one bucket. */
export const UNKNOWN_ADDRESS = "unknown";

export async function checkLoginThrottle(
  db: Db,
  attempt: { username: string; address: string | null },
  settings: LoginThrottleSettings,
  now = new Date(),
): Promise<LoginThrottleVerdict> {
  const windowMs = settings.windowMinutes * 60_000;
  const since = new Date(now.getTime() - windowMs);
  const address = attempt.address ?? UNKNOWN_ADDRESS;
  const checks = [
    { reason: "username" as const, where: { username: attempt.username, at: { gt: since } }, max: settings.maxPerUser },
    { reason: "address" as const, where: { address, at: { gt: since } }, max: settings.maxPerAddress },
  ];
  for (const check of checks) {
    const count = await db.loginFailure.count({ where: check.where });
    if (count < check.max) continue;
    // The failure whose leaving the window brings the count below the limit.
    const blocking = await db.loginFailure.findMany({
      where: check.where,
      orderBy: { at: "desc" },
      skip: check.max - 1,
      take: 1,
      select: { at: true },
    });
    const at = blocking[0]?.at ?? now;
    const retryAfterSeconds = Math.max(1, Math.ceil((at.getTime() + windowMs - now.getTime()) / 1000));
    return { allowed: false, reason: check.reason, retryAfterSeconds };
  }
  return { allowed: true };
}

export async function recordLoginFailure(
  db: Db,
  attempt: { username: string; address: string | null },
  settings: LoginThrottleSettings,
  now = new Date(),
): Promise<void> {
  await db.loginFailure.create({ data: { at: now, username: attempt.username, address: attempt.address ?? UNKNOWN_ADDRESS } });
  // Failures older than the window count for nothing: drop them.
  await db.loginFailure.deleteMany({ where: { at: { lt: new Date(now.getTime() - settings.windowMinutes * 60_000) } } });
}

export async function clearLoginFailures(db: Db, username: string): Promise<void> {
  await db.loginFailure.deleteMany({ where: { username } });
}
