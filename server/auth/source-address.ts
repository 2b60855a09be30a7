/**
 * The client's address for the audit log, the login throttle and the session
 * record.
 *
 * Next.js gives route handlers no socket, and it keeps a client-sent
 * X-Forwarded-For as is, so that header cannot be believed on its own.
 * instrumentation.ts stamps every incoming request with PEER_ADDRESS_HEADER,
 * the TCP peer's address (any client-sent value is overwritten). With
 * VIFDECK_TRUSTED_PROXY_HOPS = n > 0 (n reverse proxies that each append to
 * X-Forwarded-For), the client is the n-th address from the right; the
 * entries further left are the client's own claims and are ignored.
 */
export const PEER_ADDRESS_HEADER = "x-vifdeck-peer";

export function readSourceAddress(headers: Headers, trustedProxyHops: number): string | null {
  if (trustedProxyHops > 0) {
    const forwarded = (headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean);
    const client = forwarded[forwarded.length - trustedProxyHops];
    if (client) return normalizeAddress(client);
    // Fewer entries than proxies: the nearest thing we know is the peer.
  }
  const peer = headers.get(PEER_ADDRESS_HEADER);
  return peer ? normalizeAddress(peer) : null;
}

/** "::ffff:127.0.0.1" → "127.0.0.1"; anything else as is (at most 64 characters). */
function normalizeAddress(address: string): string {
  const trimmed = address.trim().slice(0, 64);
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice("::ffff:".length) : trimmed;
}
