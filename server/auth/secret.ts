import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The key that signs session cookies: VIFDECK_AUTH_SECRET, else the file
 * VIFDECK_AUTH_SECRET_FILE, created on first use with 48 random bytes and mode
 * 0600 (readable by the service user only). A file that others can read is
 * refused rather than used.
 */
export function readAuthSecret(options: { secret: string | undefined; file: string }): string {
  if (options.secret) return options.secret;
  const file = path.resolve(options.file);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, `${randomBytes(48).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    } catch (error) {
      // Another process (a second worker) created it first: read theirs.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  }
  const secret = fs.readFileSync(file, "utf8").trim();
  if (secret.length < 32) throw new Error(`${file} holds fewer than 32 characters`);
  return secret;
}
