import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/**
 * The shared secret between the agent and its clients. The agent creates the
 * file on first start (mode 0640, group = the socket's group), and every
 * client reads it; only the service user and root can.
 */
export async function ensureTokenFile(tokenFile: string, gid: number | null): Promise<string> {
  const existing = await readTokenFile(tokenFile).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (existing) return existing;
  await fs.mkdir(path.dirname(tokenFile), { recursive: true });
  const token = randomBytes(32).toString("base64url");
  await fs.writeFile(tokenFile, `${token}\n`, { mode: 0o640, flag: "wx" });
  if (gid != null) await fs.chown(tokenFile, 0, gid);
  return token;
}

export async function readTokenFile(tokenFile: string): Promise<string> {
  const token = (await fs.readFile(tokenFile, "utf8")).trim();
  if (token.length < 16) {
    throw new Error(`the agent token in ${tokenFile} is shorter than 16 characters: delete the file and restart the agent to make a new one`);
  }
  return token;
}
