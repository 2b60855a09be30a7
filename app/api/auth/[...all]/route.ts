import { env } from "~/env";
import { handleAuthRequest } from "~/server/auth/auth-routes";
import { getAuth, readLoginThrottleSettings } from "~/server/auth/server";
import { db } from "~/server/db";

/** better-auth's sign-in, sign-out and get-session (server/auth/auth-routes.ts says what else is refused). */
function handle(request: Request): Promise<Response> {
  return handleAuthRequest(request, {
    auth: getAuth(),
    db,
    throttle: readLoginThrottleSettings(),
    trustedProxyHops: env.VIFDECK_TRUSTED_PROXY_HOPS,
    publicUrl: env.VIFDECK_PUBLIC_URL,
  });
}

export { handle as GET, handle as POST };

export const dynamic = "force-dynamic";
