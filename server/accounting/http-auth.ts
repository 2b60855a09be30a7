import { timingSafeEqual } from "node:crypto";

/**
 * Bearer-token check for the machine endpoints (/api/metrics, /api/export)
 * until API tokens live in the database: `Authorization: Bearer <token>`
 * against VIFDECK_METRICS_TOKEN. No token configured: everything is refused.
 */
export function isBearerAuthorized(authorization: string | null, expected: string | null): boolean {
  if (!expected || !authorization) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], "utf8");
  const wanted = Buffer.from(expected, "utf8");
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function unauthorizedResponse(configured: boolean): Response {
  return new Response(
    configured ? "unauthorized: send Authorization: Bearer <VIFDECK_METRICS_TOKEN>\n" : "disabled: set VIFDECK_METRICS_TOKEN to enable this endpoint\n",
    { status: configured ? 401 : 503, headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="vifdeck"' } },
  );
}
