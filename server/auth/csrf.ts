/**
 * Cross-site request checks for cookie-authenticated changes. Browsers send
 * Sec-Fetch-Site on every request and Origin on every POST; a page on another
 * site can make the browser send vifdeck's cookie (SameSite=Lax stops that for
 * cross-site POSTs, but not from sibling subdomains), but it cannot forge these
 * two headers. Requests without either header do not come from a browser page
 * (scripts use API tokens, not cookies, anyway).
 */
export type ExpectedOrigin = { origin: string } | { host: string } | null;

export function isCrossSiteRequest(headers: Headers, expected: ExpectedOrigin): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  const origin = headers.get("origin");
  if (origin === null) return false;
  if (origin === "null" || !URL.canParse(origin)) return true;
  if (expected === null) return false;
  return "origin" in expected ? origin !== expected.origin : new URL(origin).host !== expected.host;
}

/**
 * Where the app is served from: VIFDECK_PUBLIC_URL's origin; else the Host the
 * request was sent to (X-Forwarded-Host only behind a trusted proxy), host only,
 * since the scheme is unknown when TLS ends in front of the app.
 */
export function readExpectedOrigin(headers: Headers, publicUrl: string | undefined, trustedProxyHops: number): ExpectedOrigin {
  if (publicUrl) return { origin: new URL(publicUrl).origin };
  const host = (trustedProxyHops > 0 ? headers.get("x-forwarded-host")?.split(",")[0]?.trim() : null) ?? headers.get("host");
  return host ? { host } : null;
}
