/**
 * Runs once when the Next.js server starts. In the Node.js runtime, stamps each
 * request with its peer address for the audit log and the login throttle
 * (server/auth/peer-address.ts). NEXT_RUNTIME is Next.js's own variable.
 */
export async function register() {
  // Next.js inlines NEXT_RUNTIME per bundle, which keeps node:http out of the edge bundle.
  // eslint-disable-next-line no-restricted-properties -- Next.js's build-time constant, not a setting
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { stampPeerAddresses } = await import("~/server/auth/peer-address");
    stampPeerAddresses();
  }
}
