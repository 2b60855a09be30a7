/**
 * The demo's users: on a database without users, an admin ("admin") and a viewer ("viewer")
 * with random passwords, written to <file> (mode 0600) as JSON and printed by scripts/stack.ts.
 * With users already there, does nothing (the file from that first run still holds them).
 *
 *   tsx scripts/create-demo-users.ts <credentials.json>
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";

import { getAuth } from "~/server/auth/server";
import { countUsers, createUser } from "~/server/auth/users";
import { db } from "~/server/db";

async function main(file: string): Promise<void> {
  if ((await countUsers(db)) > 0) return;
  const credentials = {
    admin: { username: "admin", password: `demo-${randomBytes(9).toString("base64url")}` },
    viewer: { username: "viewer", password: `demo-${randomBytes(9).toString("base64url")}` },
  };
  await createUser(getAuth(), db, { ...credentials.admin, role: "admin" });
  await createUser(getAuth(), db, { ...credentials.viewer, role: "viewer" });
  fs.writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}

const file = process.argv[2];
if (!file) {
  console.error("usage: tsx scripts/create-demo-users.ts <credentials.json>");
  process.exit(2);
}
main(file).then(
  async () => {
    await db.$disconnect();
    process.exit(0);
  },
  async (error: unknown) => {
    console.error(`create-demo-users: ${error instanceof Error ? error.message : String(error)}`);
    await db.$disconnect();
    process.exit(1);
  },
);
