/**
 * The Content Security Policy of vifdeck's pages: scripts only from the app
 * itself with this response's nonce ('strict-dynamic' lets Next.js's nonced
 * bootstrap load its chunks), no plugins, no framing, forms and base URL
 * pinned to the app. Styles allow inline: Recharts and Radix position with
 * style attributes and sonner injects a <style> element, none of which carry
 * a nonce; inline styles cannot run code.
 */
export function formatContentSecurityPolicy(options: { nonce: string; development: boolean; https: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${options.development ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** Headers every response gets (next.config.ts headers()). */
export const SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Cross-Origin-Resource-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
];

/** API answers are data, never documents: nothing may run or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** The session cookie's names (plain, and with the __Secure- prefix on https). */
export const SESSION_COOKIE_NAMES = ["vifdeck.session_token", "__Secure-vifdeck.session_token"];
