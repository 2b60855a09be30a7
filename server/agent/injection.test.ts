import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { HostDriver } from "~/server/host/driver";
import { createSimDriver } from "~/server/host/sim/sim-driver";

import { AgentError, createAgentClient, type AgentClient } from "./client";
import { ConfigStore } from "./config-store";
import { AGENT_OPS, MAX_REQUEST_BYTES } from "./protocol";
import { startAgentServer, type AgentServer } from "./server";

/**
 * Every field of every operation, tried with hostile input: each request must be
 * refused before the driver runs a command (the recording driver below sees every
 * call the agent makes to the host).
 */
type Call = { method: string; args: unknown[] };

function recordCalls(driver: HostDriver, calls: Call[]): HostDriver {
  return new Proxy(driver, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const TOKEN = "injection-test-token-0123456789";
let dir: string;
let server: AgentServer;
let client: AgentClient;
const calls: Call[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-injection-"));
  const configDir = path.join(dir, "xen");
  const sim = await createSimDriver({ seed: 1, domains: 6, mode: "bridge", configDir, randomEvents: false });
  await fs.writeFile(path.join(dir, "outside.cfg"), 'name = "outside"\n');
  await fs.symlink(path.join(dir, "outside.cfg"), path.join(configDir, "escape.cfg"));
  server = await startAgentServer({
    socketPath: path.join(dir, "agent.sock"),
    token: TOKEN,
    driver: recordCalls(sim, calls),
    configs: await ConfigStore.open(configDir),
    logger: pino({ level: "silent" }),
  });
  client = createAgentClient({ socketPath: path.join(dir, "agent.sock"), token: TOKEN, timeoutMs: 10_000 });
});

afterAll(async () => {
  client.close();
  await server.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const HOSTILE = [
  "a;reboot",
  "$(id)",
  "`id`",
  "web1\nreboot",
  "00:16:3e:00:00:01\n",
  "../../etc/passwd",
  "-h",
  "--force",
  "x,bridge=evil",
  "x y",
  "\u0000",
  "é",
  "a".repeat(5_000),
];

/** Sends a raw request with arbitrary params (the typed client would not let these through). */
async function callRaw(op: string, params: unknown): Promise<AgentError> {
  const untyped = client as unknown as { call(op: string, params: unknown): Promise<unknown> };
  const error = await untyped.call(op, params).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `${op} ${JSON.stringify(params).slice(0, 200)} was accepted`).toBeInstanceOf(AgentError);
  return error as AgentError;
}

function changingCalls(): Call[] {
  return calls.filter((c) => c.method === "attachVif" || c.method === "detachVif");
}

describe("hostile input to the agent", () => {
  it("refuses hostile text in every field of attachVif before any command runs", async () => {
    const fields = ["mac", "bridge", "vifname", "rate", "script", "model"] as const;
    for (const field of fields) {
      for (const value of HOSTILE) {
        const error = await callRaw("attachVif", { domain: "web1", vif: { [field]: value }, persist: false });
        expect(error.code).toBe("INVALID_PARAMS");
      }
    }
    for (const value of HOSTILE) {
      expect((await callRaw("attachVif", { domain: value, vif: {}, persist: false })).code).toBe("INVALID_PARAMS");
      expect((await callRaw("attachVif", { domain: "web1", vif: { ip: [value] }, persist: false })).code).toBe("INVALID_PARAMS");
    }
    for (const mtu of [-1, 0, 1e9, 1.5, "1500"]) {
      expect((await callRaw("attachVif", { domain: "web1", vif: { mtu }, persist: false })).code).toBe("INVALID_PARAMS");
    }
    expect((await callRaw("attachVif", { domain: "web1", vif: {}, persist: "yes" })).code).toBe("INVALID_PARAMS");
    expect((await callRaw("attachVif", { domain: "web1", vif: { type: "ioemu" }, persist: false })).code).toBe("INVALID_PARAMS");
    expect((await callRaw("attachVif", { domain: "web1", vif: {}, persist: false, force: true })).code).toBe("INVALID_PARAMS");
    expect(calls).toEqual([]);
  });

  it("refuses hostile detachVif requests before any command runs", async () => {
    for (const value of HOSTILE) {
      expect((await callRaw("detachVif", { domain: value, devid: 0, persist: false })).code).toBe("INVALID_PARAMS");
    }
    for (const devid of [-1, 1.5, "0", "0 ; reboot", 1e12, null]) {
      expect((await callRaw("detachVif", { domain: "web1", devid, persist: false })).code).toBe("INVALID_PARAMS");
    }
    expect(calls).toEqual([]);
  });

  it("refuses config names that leave the directory, and links that point out of it", async () => {
    for (const name of ["../../etc/passwd", "/etc/shadow", "a/b", "..", ".vifdeck-backups", "x\ny", ...HOSTILE]) {
      expect((await callRaw("readConfig", { name })).code).toBe("INVALID_PARAMS");
      expect((await callRaw("writeConfig", { name, content: "x = 1\n", expectedSha256: null })).code).toBe("INVALID_PARAMS");
    }
    const escape = await callRaw("readConfig", { name: "escape.cfg" });
    expect(escape.message).toContain("outside the config directory");
    const write = await callRaw("writeConfig", { name: "escape.cfg", content: 'name = "x"\n', expectedSha256: null });
    expect(write.message).toContain("symbolic link");
    expect(await fs.readFile(path.join(dir, "outside.cfg"), "utf8")).toBe('name = "outside"\n');
  });

  it("refuses a config that xl would not parse, and says where", async () => {
    const error = await callRaw("writeConfig", { name: "new.cfg", content: 'NAME = "x"\n', expectedSha256: null });
    expect(error.code).toBe("INVALID_PARAMS");
    expect(error.message).toMatch(/line 1, column 1/);
    await expect(fs.stat(path.join(dir, "xen", "new.cfg"))).rejects.toThrow();
  });

  it("refuses unknown operations and unknown fields on every operation", async () => {
    for (const op of ["shell", "exec", "__proto__", "constructor", "toString"]) {
      expect((await callRaw(op, {})).code).toBe("UNKNOWN_OP");
    }
    for (const op of Object.keys(AGENT_OPS)) {
      expect((await callRaw(op, { unexpected: "field" })).code).toBe("INVALID_PARAMS");
    }
    expect(changingCalls()).toEqual([]);
  });

  it("refuses an oversize request", async () => {
    const error = await callRaw("writeConfig", { name: "big.cfg", content: "#".repeat(MAX_REQUEST_BYTES), expectedSha256: null });
    expect(error.code).toBe("TOO_LARGE");
  });

  it("refuses a bridge that does not exist and a vifname over 15 characters before xl runs", async () => {
    const noBridge = await callRaw("attachVif", { domain: "web1", vif: { bridge: "nosuchbr0" }, persist: false });
    expect(noBridge.message).toContain("there is no bridge nosuchbr0");
    const longName = await callRaw("attachVif", { domain: "web1", vif: { vifname: "averyverylongvifname" }, persist: false });
    expect(longName.message).toContain("at most 15");
    const taken = await callRaw("attachVif", { domain: "db1", vif: { vifname: "web1" }, persist: false });
    expect(taken.code).toBe("CONFLICT");
    expect(changingCalls()).toEqual([]);
  });
});

describe("the code base", () => {
  it("never runs a shell", async () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const offenders: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
        if (["node_modules", ".next", "generated", "data", "test-results", ".git"].includes(entry.name)) continue;
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (/\.(ts|tsx|mjs|js)$/.test(entry.name) && !entry.name.endsWith(".test.ts")) {
          const text = await fs.readFile(full, "utf8");
          // shell: true; child_process's exec/execSync (a method like db.exec() is not one); sh -c.
          const usesShell =
            /\bshell:\s*true\b/.test(text) ||
            /import\s*\{[^}]*\bexec(Sync)?\b[^}]*\}\s*from\s*["'](node:)?child_process["']/.test(text) ||
            /child_process["']\)?\.exec(Sync)?\b/.test(text) ||
            /["'`](\/bin\/)?(ba)?sh["'`]\s*,\s*\[\s*["'`]-c/.test(text);
          if (usesShell) {
            offenders.push(path.relative(root, full));
          }
        }
      }
    };
    await walk(root);
    expect(offenders).toEqual([]);
  });
});
