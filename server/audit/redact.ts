/**
 * What the audit log keeps of a call's parameters and result: JSON with
 * secrets replaced (any key that names a password, secret or token) and long
 * values cut, so the log can be read by every viewer.
 */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key/i;
export const REDACTED = "[redacted]";
const MAX_JSON = 16 * 1024;

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return "[too deep]";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : redactSecrets(item, depth + 1)]),
    );
  }
  return value;
}

/** Redacted JSON of a value, at most 16 KiB (longer ones end with "…[cut]"); null for undefined. */
export function formatAuditJson(value: unknown): string | null {
  if (value === undefined) return null;
  const json = JSON.stringify(redactSecrets(value)) ?? null;
  if (json === null) return null;
  return json.length > MAX_JSON ? `${json.slice(0, MAX_JSON)}…[cut]` : json;
}
