import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { HostError } from "~/server/host/driver";
import { formatCommand, pickMeaningfulLine, runCommand } from "~/server/host/exec";

const NODE = process.execPath;
const tmp = mkdtempSync(join(tmpdir(), "vifdeck-exec-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function expectHostError(promise: Promise<unknown>, code: string): Promise<HostError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostError);
  expect((error as HostError).code).toBe(code);
  return error as HostError;
}

describe("runCommand", () => {
  it("returns stdout, stderr, the exit status, the duration and the argv", async () => {
    const result = await runCommand([NODE, "-e", "process.stdout.write('out'); process.stderr.write('err'); process.exit(3)"], {
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({ stdout: "out", stderr: "err", exitCode: 3, signal: null });
    expect(result.command[0]).toBe(NODE);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it("passes arguments verbatim, without a shell", async () => {
    const tricky = ["a b", "$(id)", "`x`", "; rm -rf /", "'\"", "*"];
    const result = await runCommand([NODE, "-e", "console.log(JSON.stringify(process.argv.slice(1)))", ...tricky], { timeoutMs: 10_000 });
    expect(JSON.parse(result.stdout)).toEqual(tricky);
  });

  it("feeds input to stdin", async () => {
    const result = await runCommand([NODE, "-e", "process.stdin.pipe(process.stdout)"], { timeoutMs: 10_000, input: "hello\n" });
    expect(result.stdout).toBe("hello\n");
  });

  it("runs with a fixed C-locale environment unless told otherwise", async () => {
    const script = "console.log(JSON.stringify({ lc: process.env.LC_ALL, foo: process.env.FOO ?? null }))";
    const byDefault = await runCommand([NODE, "-e", script], { timeoutMs: 10_000 });
    expect(JSON.parse(byDefault.stdout)).toEqual({ lc: "C", foo: null });
    const custom = await runCommand([NODE, "-e", script], { timeoutMs: 10_000, env: { FOO: "bar" } });
    expect(JSON.parse(custom.stdout)).toEqual({ foo: "bar" });
  });

  it("maps a missing executable to COMMAND_MISSING with the hint", async () => {
    const error = await expectHostError(
      runCommand(["/nonexistent/sbin/xl", "list"], { timeoutMs: 5_000, missingHint: "install xen-utils or set VIFDECK_XL_PATH" }),
      "COMMAND_MISSING",
    );
    expect(error.message).toBe("xl not found at /nonexistent/sbin/xl: install xen-utils or set VIFDECK_XL_PATH");
    expect(error.details.command).toEqual(["/nonexistent/sbin/xl", "list"]);
  });

  it("maps a file that is not executable to COMMAND_MISSING", async () => {
    const file = join(tmp, "not-executable");
    writeFileSync(file, "#!/bin/true\n", { mode: 0o644 });
    const error = await expectHostError(runCommand([file], { timeoutMs: 5_000 }), "COMMAND_MISSING");
    expect(error.message).toMatch(/cannot be executed/);
  });

  it("kills the whole process group on timeout", async () => {
    const pidFile = join(tmp, "grandchild.pid");
    // The command starts a grandchild that would outlive it, then hangs.
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
      setInterval(() => {}, 1000);`;
    const started = Date.now();
    const error = await expectHostError(runCommand([NODE, "-e", script], { timeoutMs: 1_500 }), "COMMAND_TIMEOUT");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toMatch(/did not finish within 1500 ms/);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(grandchild)).toBe(false);
  });

  it("throws COMMAND_FAILED with stderr's meaningful line when asked to", async () => {
    const script = `
      console.error("libxl: debug: libxl_nic.c:540: noise");
      console.error("libxl: error: libxl_device.c:1337:device_hotplug_child_death_cb: script: Could not find bridge device nosuchbr0");
      console.error("libxl_device_nic_add failed.");
      process.exit(1);`;
    const error = await expectHostError(runCommand([NODE, "-e", script], { timeoutMs: 10_000, throwOnFailure: true }), "COMMAND_FAILED");
    expect(error.message).toMatch(/exited with status 1: libxl_device_nic_add failed\.$/);
    expect(error.details.exitCode).toBe(1);
    expect(error.details.stderr).toMatch(/nosuchbr0/);
  });

  it("stops a command that prints more than the cap", async () => {
    const script = "const b = Buffer.alloc(65536, 97); (function w() { process.stdout.write(b, w); })();";
    const error = await expectHostError(runCommand([NODE, "-e", script], { timeoutMs: 10_000, maxOutputBytes: 100_000 }), "COMMAND_FAILED");
    expect(error.message).toMatch(/more than 100000 bytes on stdout/);
  });

  it("survives a command that ignores its input", async () => {
    const result = await runCommand(["/bin/true"], { timeoutMs: 5_000, input: "x".repeat(1 << 20) });
    expect(result.exitCode).toBe(0);
  });

  it("reports a command ended by a signal", async () => {
    const result = await runCommand([NODE, "-e", "process.kill(process.pid, 'SIGTERM')"], { timeoutMs: 5_000 });
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe("SIGTERM");
  });
});

describe("pickMeaningfulLine", () => {
  it("prefers the last line that names an error, skipping debug chatter", () => {
    expect(pickMeaningfulLine("a\nlibxl: debug: x failed\nnosuchdom is an invalid domain identifier (rc=-6)\n")).toBe(
      "nosuchdom is an invalid domain identifier (rc=-6)",
    );
    expect(pickMeaningfulLine("first\nsecond\n\n")).toBe("second");
    expect(pickMeaningfulLine("\n \n")).toBeNull();
  });
});

describe("formatCommand", () => {
  it("quotes only what needs quoting", () => {
    expect(formatCommand(["/usr/sbin/xl", "network-attach", "db1", "mac=00:16:3e:00:00:02", "a b"])).toBe(
      '/usr/sbin/xl network-attach db1 mac=00:16:3e:00:00:02 "a b"',
    );
  });
});

/** Running, as opposed to gone or a zombie waiting for init to reap it. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}
