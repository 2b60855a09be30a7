/**
 * Creates a vifdeck user (an admin unless --role says otherwise) on a production install, where
 * nobody can sign in yet. The password is typed at a prompt (not echoed) or read from standard
 * input's first line — never from the command line, where `ps` and shell history would keep it.
 *
 *   npx tsx scripts/create-admin.ts --username alice
 *   printf '%s\n' "$PASSWORD" | npx tsx scripts/create-admin.ts --username ci-admin
 *   npx tsx scripts/create-admin.ts --username bob --role viewer
 *
 * Run it as the service user (sudo -u vifdeck …) with the service's settings
 * (set -a; . /etc/vifdeck/vifdeck.env; set +a), so the database is the web app's.
 */
import { parseArgs } from "node:util";

import { env } from "~/env";
import { getAuth } from "~/server/auth/server";
import { ZPasswordSchema, ZRoleSchema, ZUsernameSchema } from "~/server/auth/roles";
import { createUser } from "~/server/auth/users";
import { db } from "~/server/db";
import { migrate } from "~/server/migrate";

import { readPassword } from "./lib/read-password";

const { values } = parseArgs({ options: { username: { type: "string" }, role: { type: "string", default: "admin" } } });

async function main(): Promise<void> {
  const username = ZUsernameSchema.safeParse(values.username?.trim().toLowerCase());
  if (!username.success) throw new Error(`--username: ${username.error.issues[0]?.message ?? "required"}`);
  const role = ZRoleSchema.safeParse(values.role);
  if (!role.success) throw new Error("--role: admin or viewer");
  const password = ZPasswordSchema.safeParse(await readPassword(`Password for ${username.data}: `));
  if (!password.success) throw new Error(`password: ${password.error.issues[0]?.message ?? "invalid"}`);
  await migrate("deploy", { databaseUrl: env.DATABASE_URL });
  const user = await createUser(getAuth(), db, { username: username.data, password: password.data, role: role.data });
  console.log(`created ${user.role} "${user.username}"`);
}

main().then(
  async () => {
    await db.$disconnect();
    process.exit(0);
  },
  async (error: unknown) => {
    console.error(`create-admin: ${error instanceof Error ? error.message : String(error)}`);
    await db.$disconnect();
    process.exit(1);
  },
);
