import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AgentError, createAgentClient } from "./client";
import { MAX_REQUEST_BYTES } from "./protocol";

/**
 * The real agent, as a separate process on a real Unix socket, driven by the
 * simulated host: what the web app and the collector talk to.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
let dir: string;
let socketPath: string;
let tokenFile: string;
let agent: ChildProcess;
let agentLog = "";

async function waitForSocket(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stat = await fs.stat(file).catch(() => null);
    if (stat?.isSocket()) return;
    if (agent.exitCode !== null) throw new Error(`agent exited early:\n${agentLog}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`agent socket did not appear:\n${agentLog}`);
}

/** Sends raw bytes on a fresh connection and returns the first response line, decoded. */
async function sendRaw(payload: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline !== -1) {
        socket.destroy();
        resolve(JSON.parse(buffered.slice(0, newline)));
      }
    });
    socket.on("error", reject);
    socket.write(payload);
  });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-agent-"));
  socketPath = path.join(dir, "agent.sock");
  tokenFile = path.join(dir, "agent.token");
  agent = spawn(process.execPath, ["--import", "tsx", "server/agent/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      VIFDECK_AGENT_SOCKET: socketPath,
      VIFDECK_AGENT_TOKEN_FILE: tokenFile,
      VIFDECK_DRIVER: "sim",
      VIFDECK_CONFIG_DIR: path.join(dir, "xen"),
      VIFDECK_SIM_EVENTS: "off",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent.stdout?.on("data", (chunk: Buffer) => (agentLog += chunk.toString()));
  agent.stderr?.on("data", (chunk: Buffer) => (agentLog += chunk.toString()));
  await waitForSocket(socketPath, 20_000);
});

afterAll(async () => {
  if (agent.exitCode === null && agent.signalCode === null) {
    agent.kill("SIGTERM");
    await new Promise((resolve) => agent.once("exit", resolve));
  }
  await fs.rm(dir, { recursive: true, force: true });
});

describe("the agent on its Unix socket", () => {
  it("creates its socket with mode 0660 and a token file only its group can read", async () => {
    expect((await fs.stat(socketPath)).mode & 0o777).toBe(0o660);
    expect((await fs.stat(tokenFile)).mode & 0o777).toBe(0o640);
  });

  it("serves the inventory of the simulated host", async () => {
    const token = (await fs.readFile(tokenFile, "utf8")).trim();
    const client = createAgentClient({ socketPath, token, timeoutMs: 5_000 });
    try {
      const inventory = await client.call("inventory", {});
      expect(inventory.host).toMatchObject({ driver: "sim", networkMode: "bridge" });
      expect(inventory.bridges.map((b) => b.name)).toEqual(["xenbr0", "xenbr1"]);
      const xenbr0 = inventory.bridges[0];
      expect(xenbr0?.ports.map((p) => p.name)).toEqual(expect.arrayContaining(["peth0", "vif0.0", "web1"]));
      expect(inventory.bridges[1]?.ports.some((p) => p.kind === "physical")).toBe(false);
      expect(inventory.vifs.filter((v) => v.kind === "emu").map((v) => v.kernelName)).toContain("winfront-emu");
      // The config files the sim writes are real files.
      expect((await fs.readdir(path.join(dir, "xen"))).sort()).toContain("web1.cfg");
    } finally {
      client.close();
    }
  });

  it("serves raw counters as bigints for every interface, growing with traffic", async () => {
    const token = (await fs.readFile(tokenFile, "utf8")).trim();
    const client = createAgentClient({ socketPath, token, timeoutMs: 5_000 });
    try {
      const first = await client.call("counters", {});
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const second = await client.call("counters", {});
      const web1Before = first.interfaces.find((i) => i.name === "web1");
      const web1After = second.interfaces.find((i) => i.name === "web1");
      expect(typeof web1After?.rxBytes).toBe("bigint");
      expect(web1After!.txBytes).toBeGreaterThan(web1Before!.txBytes);
      expect(second.at).toBeGreaterThan(first.at);
    } finally {
      client.close();
    }
  });

  it("reports the simulated host's security posture, worst findings first", async () => {
    const token = (await fs.readFile(tokenFile, "utf8")).trim();
    const client = createAgentClient({ socketPath, token, timeoutMs: 10_000 });
    try {
      const posture = await client.call("securityPosture", {});
      expect(posture.findings[0]?.severity).toBe("critical");
      expect(posture.findings.map((f) => f.id)).toContain("FORWARD_POLICY_ACCEPT");
      expect(posture.vifs.length).toBeGreaterThan(0);
    } finally {
      client.close();
    }
  });

  it("refuses a call with a wrong token", async () => {
    const client = createAgentClient({ socketPath, token: "not-the-token-at-all", timeoutMs: 5_000 });
    try {
      const error = await client.call("inventory", {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentError);
      expect(error).toMatchObject({ code: "UNAUTHORIZED" });
    } finally {
      client.close();
    }
  });

  it("answers malformed requests with a clear error and stays up", async () => {
    const token = (await fs.readFile(tokenFile, "utf8")).trim();
    expect(await sendRaw("this is not json\n")).toMatchObject({
      ok: false,
      error: { code: "BAD_REQUEST", message: expect.stringContaining("not valid JSON") },
    });
    expect(await sendRaw(`${JSON.stringify({ v: 1, id: 3, token, op: "inventory", params: {}, extra: 1 })}\n`)).toMatchObject({
      id: 3,
      ok: false,
      error: { code: "BAD_REQUEST" },
    });
    expect(await sendRaw(`${JSON.stringify({ v: 1, id: 4, token, op: "reboot", params: {} })}\n`)).toMatchObject({
      id: 4,
      ok: false,
      error: { code: "UNKNOWN_OP", message: expect.stringContaining("inventory, counters") },
    });
    expect(await sendRaw(`${JSON.stringify({ v: 1, id: 5, token, op: "inventory", params: { all: true } })}\n`)).toMatchObject({
      id: 5,
      ok: false,
      error: { code: "INVALID_PARAMS", message: expect.stringContaining("all") },
    });
    expect(await sendRaw(`${"x".repeat(MAX_REQUEST_BYTES + 10)}\n`)).toMatchObject({ ok: false, error: { code: "TOO_LARGE" } });

    // Still serving.
    const client = createAgentClient({ socketPath, token, timeoutMs: 5_000 });
    try {
      expect((await client.call("inventory", {})).host.driver).toBe("sim");
    } finally {
      client.close();
    }
    expect(agent.exitCode).toBeNull();
  });

  it("stops on SIGTERM even while a client is connected", async () => {
    const token = (await fs.readFile(tokenFile, "utf8")).trim();
    const client = createAgentClient({ socketPath, token, timeoutMs: 5_000 });
    await client.call("inventory", {});
    agent.kill("SIGTERM");
    const code = await new Promise((resolve) => agent.once("exit", resolve));
    expect(code).toBe(0);
    await expect(client.call("inventory", {})).rejects.toMatchObject({ code: "UNAVAILABLE" });
    client.close();
  });

  it("reports an unreachable agent as UNAVAILABLE", async () => {
    const client = createAgentClient({ socketPath: path.join(dir, "nobody.sock"), token: "x".repeat(20), timeoutMs: 2_000 });
    await expect(client.call("inventory", {})).rejects.toMatchObject({ code: "UNAVAILABLE" });
    client.close();
  });
});
