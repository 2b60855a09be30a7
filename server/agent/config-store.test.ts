import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { HostError } from "~/server/host/driver";

import { BACKUP_DIR, ConfigStore, MAX_CONFIG_BYTES, hashContent } from "./config-store";

let root: string;
let dir: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "vifdeck-configs-"));
  dir = path.join(root, "xen");
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, "web1.cfg"), 'name = "web1"\nvif = [ "bridge=xenbr0" ]\n');
  await fs.writeFile(path.join(dir, "xl.conf"), "autoballoon=0\n");
  await fs.mkdir(path.join(dir, "scripts"));
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<HostError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostError);
  return error as HostError;
}

describe("the config directory", () => {
  it("lists domain configs only, and reads one with its hash", async () => {
    const store = await ConfigStore.open(dir);
    expect((await store.list()).map((f) => f.name)).toEqual(["web1.cfg"]);
    const file = await store.read("web1.cfg");
    expect(file.content).toContain('name = "web1"');
    expect(file.sha256).toBe(hashContent(file.content));
  });

  it("replaces a file when the caller names the hash it read, keeping the old version as a backup", async () => {
    const store = await ConfigStore.open(dir);
    const before = await store.read("web1.cfg");
    const result = await store.write("web1.cfg", 'name = "web1"\nvif = []\n', before.sha256);
    expect(await fs.readFile(path.join(dir, "web1.cfg"), "utf8")).toBe('name = "web1"\nvif = []\n');
    expect(result.backup).toMatch(new RegExp(`^${BACKUP_DIR}/web1\\.cfg\\.`));
    expect(await fs.readFile(path.join(dir, result.backup!), "utf8")).toBe(before.content);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith(".vifdeck-write"))).toEqual([]);
  });

  it("keeps the file's mode", async () => {
    await fs.chmod(path.join(dir, "web1.cfg"), 0o600);
    const store = await ConfigStore.open(dir);
    await store.write("web1.cfg", "x = 1\n", (await store.read("web1.cfg")).sha256);
    expect((await fs.stat(path.join(dir, "web1.cfg"))).mode & 0o777).toBe(0o600);
  });

  it("refuses a write when the file changed since it was read", async () => {
    const store = await ConfigStore.open(dir);
    const before = await store.read("web1.cfg");
    await fs.appendFile(path.join(dir, "web1.cfg"), "# edited by hand\n");
    const error = await errorOf(store.write("web1.cfg", "x = 1\n", before.sha256));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain("changed on disk since you read it");
    expect(await fs.readFile(path.join(dir, "web1.cfg"), "utf8")).toContain("# edited by hand");
  });

  it("creates a new file only when none exists", async () => {
    const store = await ConfigStore.open(dir);
    await store.write("db1.cfg", 'name = "db1"\n', null);
    expect(await fs.readFile(path.join(dir, "db1.cfg"), "utf8")).toBe('name = "db1"\n');
    expect((await errorOf(store.write("db1.cfg", "x = 1\n", null))).code).toBe("CONFLICT");
  });

  it("serialises concurrent writes to one file: one wins, the other gets a conflict", async () => {
    const store = await ConfigStore.open(dir);
    const { sha256 } = await store.read("web1.cfg");
    const results = await Promise.allSettled([store.write("web1.cfg", "a = 1\n", sha256), store.write("web1.cfg", "b = 2\n", sha256)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(await fs.readFile(path.join(dir, "web1.cfg"), "utf8")).toBe("a = 1\n");
  });

  it.each([
    ["../../etc/passwd"],
    ["../web1.cfg"],
    ["scripts/vif-bridge"],
    ["/etc/shadow"],
    [".hidden"],
    [""],
    ["web1.cfg\n"],
    ["a;reboot"],
    ["$(id)"],
    ["x".repeat(200)],
    ["xl.conf"],
  ])("refuses the name %j before touching the disk", async (name) => {
    const store = await ConfigStore.open(dir);
    expect((await errorOf(store.read(name))).code).toBe("INVALID_INPUT");
    expect((await errorOf(store.write(name, "x = 1\n", null))).code).toBe("INVALID_INPUT");
    expect((await fs.readdir(root)).sort()).toEqual(["xen"]);
  });

  it("follows a symlink that stays inside the directory, and refuses one that leaves it", async () => {
    await fs.writeFile(path.join(root, "secret"), "outside\n");
    await fs.symlink(path.join(root, "secret"), path.join(dir, "evil.cfg"));
    await fs.symlink("web1.cfg", path.join(dir, "alias.cfg"));
    const store = await ConfigStore.open(dir);
    expect((await errorOf(store.read("evil.cfg"))).message).toContain("points outside the config directory");
    expect((await store.read("alias.cfg")).content).toContain("web1");
    // Writes never go through a link, not even one inside.
    expect((await errorOf(store.write("evil.cfg", "x = 1\n", null))).code).toBe("INVALID_INPUT");
    expect((await errorOf(store.write("alias.cfg", "x = 1\n", hashContent("")))).message).toContain("symbolic link");
    expect(await fs.readFile(path.join(root, "secret"), "utf8")).toBe("outside\n");
    expect((await store.list()).map((f) => f.name)).toEqual(["alias.cfg", "web1.cfg"]);
  });

  it("refuses content over the size limit, and removes temporary files a killed write left", async () => {
    await fs.writeFile(path.join(dir, ".vifdeck-write-web1.cfg-abc"), "half a fi");
    const store = await ConfigStore.open(dir);
    expect(await fs.readdir(dir)).not.toContain(".vifdeck-write-web1.cfg-abc");
    const error = await errorOf(store.write("web1.cfg", "x".repeat(MAX_CONFIG_BYTES + 1), null));
    expect(error.message).toContain("larger than");
  });
});

describe("a write killed at a random moment", () => {
  it("always leaves the old or the new file, complete (SIGKILL during hundreds of writes)", async () => {
    const name = "victim.cfg";
    await fs.writeFile(path.join(dir, name), "# initial\n");
    const ROUNDS = 30;
    let writes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "testdata/write-loop.ts"), dir, name], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let output = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("ready\n")) resolve();
        });
        child.once("exit", () => reject(new Error(`the writer exited before it was ready: ${output}`)));
      });
      // Kill it somewhere in its stream of writes.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 250)));
      const exited = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once("exit", resolve)));
      child.kill("SIGKILL");
      await exited;
      writes += (output.match(/^wrote /gm) ?? []).length;

      const content = await fs.readFile(path.join(dir, name), "utf8");
      if (content !== "# initial\n") {
        const [header, ...rest] = content.split("\n");
        const body = `${rest.join("\n")}`;
        expect(header).toBe(`# ${createHash("sha256").update(body).digest("hex")}`);
      }
    }
    expect(writes).toBeGreaterThan(200);
  }, 120_000);
});
