import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";

/**
 * A network namespace owned by a test or the benchmark, with a sleeping
 * process inside it so that its /proc/net/dev and its own sysfs can be read
 * from outside (`/proc/<pid>/net/dev`, `/proc/<pid>/root/sys/class/net`).
 * Test support only: commands run as argument vectors, never through a shell.
 */
export type TestNetns = {
  name: string;
  sysClassNet: string;
  procNetDev: string;
  /** `ip -n <name> …` */
  ip(...args: string[]): string;
  /** `ip -n <name> -batch -` with the given lines. */
  ipBatch(lines: string[]): void;
  /** Runs argv inside the namespace (`ip netns exec`). */
  exec(argv: string[], opts?: { input?: string }): string;
  destroy(): void;
};

export const IP = existsSync("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip";

/** Why the namespace tests cannot run here, or null when they can. */
export function netnsUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return "not root: network namespace tests need CAP_NET_ADMIN";
  if (!existsSync(IP)) return `iproute2 missing (${IP})`;
  return null;
}

export async function createTestNetns(prefix = "vifdeck-test"): Promise<TestNetns> {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  execFileSync(IP, ["netns", "add", name]);
  let sleeper: ChildProcess | null = null;
  const destroy = () => {
    if (sleeper?.pid !== undefined && sleeper.exitCode === null) sleeper.kill("SIGKILL");
    try {
      execFileSync(IP, ["netns", "delete", name], { stdio: "ignore" });
    } catch {
      // already gone
    }
  };
  try {
    sleeper = spawn(IP, ["netns", "exec", name, "sleep", "infinity"], { stdio: "ignore" });
    const pid = sleeper.pid;
    if (pid === undefined) throw new Error("could not start a process in the namespace");
    // `ip netns exec` mounts the namespace's sysfs, then execs sleep: wait for that.
    for (let i = 0; ; i++) {
      if (/\/sleep$/.test(safeReadlink(`/proc/${pid}/exe`))) break;
      if (i > 200) throw new Error("the process in the namespace did not start");
      await new Promise((r) => setTimeout(r, 10));
    }
    execFileSync(IP, ["-n", name, "link", "set", "lo", "up"]);
    return {
      name,
      sysClassNet: `/proc/${pid}/root/sys/class/net`,
      procNetDev: `/proc/${pid}/net/dev`,
      ip: (...args) => execFileSync(IP, ["-n", name, ...args], { encoding: "utf8" }),
      ipBatch: (lines) => {
        execFileSync(IP, ["-n", name, "-batch", "-"], { input: `${lines.join("\n")}\n` });
      },
      exec: (argv, opts = {}) => execFileSync(IP, ["netns", "exec", name, ...argv], { encoding: "utf8", input: opts.input }),
      destroy,
    };
  } catch (error) {
    destroy();
    throw error;
  }
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}
