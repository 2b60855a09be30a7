/**
 * Starts the whole vifdeck stack on this machine: the agent (on the simulated
 * host unless VIFDECK_DRIVER says otherwise), the collector, and the web app
 * (`next start`, so run `next build` first). The demo and the browser tests
 * use it; on a dom0 the three run as systemd services instead.
 *
 *   tsx scripts/stack.ts [--port 3000] [--host 0.0.0.0] [--data-dir ./data] [--fresh]
 *
 * --fresh empties the data folder first (the browser tests start from a new host and database).
 *
 * Every file it makes (database, socket, token, simulated config files) goes
 * under --data-dir unless the environment already names another place.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

import { SERVICE_NODE_FLAGS } from "~/server/heap";
import { migrate } from "~/server/migrate";

const ROOT = path.resolve(import.meta.dirname, "..");
const BIN = path.join(ROOT, "node_modules/.bin");

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    host: { type: "string", default: "0.0.0.0" },
    "data-dir": { type: "string", default: "./data" },
    fresh: { type: "boolean", default: false },
  },
});
const dataDir = path.resolve(values["data-dir"]);
if (values.fresh) fs.rmSync(dataDir, { recursive: true, force: true });
fs.mkdirSync(dataDir, { recursive: true });

// The children's settings: what the caller set wins; the rest lives under the data folder.
const inherited = process.env;
const childEnv: NodeJS.ProcessEnv = {
  ...inherited,
  NEXT_TELEMETRY_DISABLED: "1",
  DATABASE_URL: inherited.DATABASE_URL ?? `file:${path.join(dataDir, "vifdeck.db")}`,
  VIFDECK_AGENT_SOCKET: inherited.VIFDECK_AGENT_SOCKET ?? path.join(dataDir, "agent.sock"),
  VIFDECK_AGENT_TOKEN_FILE: inherited.VIFDECK_AGENT_TOKEN_FILE ?? path.join(dataDir, "agent.token"),
  VIFDECK_CONFIG_DIR: inherited.VIFDECK_CONFIG_DIR ?? path.join(dataDir, "sim", "xen"),
  VIFDECK_AUTH_SECRET_FILE: inherited.VIFDECK_AUTH_SECRET_FILE ?? path.join(dataDir, "auth.secret"),
};
/** The demo's admin and viewer (random passwords), made on a database without users. */
const DEMO_CREDENTIALS_FILE = path.join(dataDir, "demo-credentials.json");

const children: { name: string; process: ChildProcess }[] = [];
let stopping = false;

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = childEnv): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  children.push({ name, process: child });
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`vifdeck: the ${name} stopped (${signal ?? `exit ${code}`}); stopping the stack`);
    stop(1);
  });
  return child;
}

function stop(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  const running = () => children.filter(({ process: child }) => child.exitCode === null && child.signalCode === null);
  for (const { process: child } of running()) child.kill("SIGTERM");
  setTimeout(() => {
    // A process still busy (or stuck) after the grace period is not left behind without its parent.
    for (const { name, process: child } of running()) {
      console.error(`vifdeck: the ${name} did not stop within 1.5 s; killing it`);
      child.kill("SIGKILL");
    }
    process.exit(exitCode);
  }, 1_500).unref();
}

async function waitForSocket(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline || stopping) throw new Error(`the agent did not open ${file} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline || stopping) throw new Error(`the web app did not answer at ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  process.once("SIGINT", () => stop(0));
  process.once("SIGTERM", () => stop(0));
  if (!fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    throw new Error("no production build: run `npm run build` first");
  }

  const databaseUrl = childEnv.DATABASE_URL as string;
  await migrate("deploy", { databaseUrl, log: (line) => console.log(`vifdeck: database: ${line}`) });
  const demoUsers = spawnSync(path.join(BIN, "tsx"), ["scripts/create-demo-users.ts", DEMO_CREDENTIALS_FILE], { cwd: ROOT, env: childEnv, stdio: "inherit" });
  if (demoUsers.status !== 0) throw new Error("could not create the demo users");

  const socket = childEnv.VIFDECK_AGENT_SOCKET as string;
  // node --import tsx, not the tsx CLI: the CLI runs the script in a child that a signal to the CLI can orphan.
  start("agent", process.execPath, [...SERVICE_NODE_FLAGS.agent, "--import", "tsx", "server/agent/main.ts"]);
  await waitForSocket(socket, 30_000);
  start("collector", process.execPath, [...SERVICE_NODE_FLAGS.collector, "--import", "tsx", "server/accounting/main.ts"]);
  start("web app", path.join(BIN, "next"), ["start", "--port", values.port, "--hostname", values.host], {
    ...childEnv,
    NODE_ENV: "production",
  });
  const local = `http://localhost:${values.port}`;
  await waitForHttp(`http://127.0.0.1:${values.port}/api/health`, 60_000);
  console.log(`\nvifdeck is running: ${local}\n  database: ${databaseUrl}\n  agent socket: ${socket}\n${formatDemoCredentials()}  press Ctrl-C to stop\n`);
}

function formatDemoCredentials(): string {
  if (!fs.existsSync(DEMO_CREDENTIALS_FILE)) return "  sign in with the users of this database (scripts/create-admin.ts makes one)\n";
  const demo = JSON.parse(fs.readFileSync(DEMO_CREDENTIALS_FILE, "utf8")) as Record<"admin" | "viewer", { username: string; password: string }>;
  return (
    `  sign in as admin:  ${demo.admin.username} / ${demo.admin.password}\n` +
    `  or as viewer:      ${demo.viewer.username} / ${demo.viewer.password}\n` +
    `  (kept in ${path.relative(process.cwd(), DEMO_CREDENTIALS_FILE)})\n`
  );
}

main().catch((error: unknown) => {
  console.error(`vifdeck: ${error instanceof Error ? error.message : String(error)}`);
  stop(1);
});
