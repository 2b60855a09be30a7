import { readFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { HostError } from "~/server/host/driver";
import { pickMeaningfulLine, runCommand } from "~/server/host/exec";
import type { THostRoute, TSecurityFacts } from "~/server/host/security-facts";

export type ReadLinuxSecurityFactsOptions = {
  /** Timeout of each command. */
  timeoutMs: number;
  /**
   * Read inside this network namespace (tests): iptables-save and ip run
   * through `ip netns exec <ns>` / `ip -n <ns>`, and the per-namespace files
   * under /proc/sys/net are read there with `cat` (the kernel resolves them
   * in the reader's own namespace, so they cannot be read from outside).
   */
  netns?: string;
  /** Default /usr/sbin/iptables-save. */
  iptablesSavePath?: string;
  /** Default /usr/sbin/ip. */
  ipPath?: string;
  /** Default /proc. */
  procRoot?: string;
  /** Default /sys. */
  sysRoot?: string;
};

type TPiece<T> = { value: T | null; error: string | null };

/**
 * What only the running host can tell about its firewall and kernel settings:
 * `iptables-save`, br_netfilter's bridge-nf-call-iptables, netloop's
 * nloopbacks, the conntrack table's use, the IPv4 routes. Read-only; each piece
 * that cannot be read is null with the reason, never an exception.
 */
export async function readLinuxSecurityFacts(opts: ReadLinuxSecurityFactsOptions): Promise<TSecurityFacts> {
  const procRoot = opts.procRoot ?? "/proc";
  const sysRoot = opts.sysRoot ?? "/sys";
  const [iptables, bridgeNf, netloop, conntrackCount, conntrackMax, routes] = await Promise.all([
    readIptablesSave(opts),
    readNetSysctl(opts, path.join(procRoot, "sys/net/bridge/bridge-nf-call-iptables")),
    readHostFile(path.join(sysRoot, "module/netloop/parameters/nloopbacks")),
    readNetSysctl(opts, path.join(procRoot, "sys/net/netfilter/nf_conntrack_count")),
    readNetSysctl(opts, path.join(procRoot, "sys/net/netfilter/nf_conntrack_max")),
    readRoutes(opts),
  ]);

  const bridgeNfValue = bridgeNf.value?.trim() ?? null;
  const bridgeNfOk = bridgeNfValue === "0" || bridgeNfValue === "1";
  const netloopValue = parseCount(netloop.value);
  const count = parseCount(conntrackCount.value);
  const max = parseCount(conntrackMax.value);
  const conntrack = count !== null && max !== null && max > 0 ? { count, max } : null;

  return {
    iptablesSave: iptables.value,
    iptablesError: iptables.error,
    bridgeNfCallIptables: bridgeNfOk ? bridgeNfValue : null,
    bridgeNfCallIptablesError: bridgeNfOk
      ? null
      : bridgeNf.error === MISSING
        ? "br_netfilter is not loaded (no /proc/sys/net/bridge): bridged traffic does not pass through iptables at all"
        : (bridgeNf.error ?? `unexpected value ${JSON.stringify(bridgeNfValue)} in bridge-nf-call-iptables`),
    netloopLoopbacks: netloopValue,
    netloopError:
      netloopValue !== null
        ? null
        : netloop.error === MISSING
          ? "the netloop module is not loaded (normal on current pvops dom0 kernels, which do not use it)"
          : (netloop.error ?? `unexpected nloopbacks value ${JSON.stringify(netloop.value)}`),
    conntrack,
    conntrackError:
      conntrack !== null
        ? null
        : conntrackCount.error === MISSING || conntrackMax.error === MISSING
          ? "nf_conntrack is not loaded: there is no connection table to fill"
          : (conntrackCount.error ?? conntrackMax.error ?? "unreadable nf_conntrack_count/nf_conntrack_max"),
    routes: routes.value,
    routesError: routes.error,
  };
}

/** Marks a file that does not exist (a module not loaded), told apart from other failures. */
const MISSING = "missing";

async function readIptablesSave(opts: ReadLinuxSecurityFactsOptions): Promise<TPiece<string>> {
  const iptablesSave = opts.iptablesSavePath ?? "/usr/sbin/iptables-save";
  const argv = opts.netns === undefined ? [iptablesSave] : [opts.ipPath ?? "/usr/sbin/ip", "netns", "exec", opts.netns, iptablesSave];
  try {
    const result = await runCommand(argv, { timeoutMs: opts.timeoutMs, missingHint: "install the iptables package" });
    if (result.exitCode !== 0) {
      const line = pickMeaningfulLine(result.stderr) ?? `exit status ${result.exitCode ?? result.signal ?? "?"}`;
      return { value: null, error: `${path.basename(iptablesSave)} failed: ${line}` };
    }
    // iptables-nft warns on stderr when legacy rules exist too; keep that as the comment line it is.
    const warnings = result.stderr.split("\n").filter((line) => /^# Warning:/.test(line.trim()));
    return { value: warnings.length > 0 ? `${warnings.join("\n")}\n${result.stdout}` : result.stdout, error: null };
  } catch (error) {
    return { value: null, error: describeError(error) };
  }
}

/** A file under /proc/sys/net, read in the namespace when there is one. */
async function readNetSysctl(opts: ReadLinuxSecurityFactsOptions, file: string): Promise<TPiece<string>> {
  if (opts.netns === undefined) return readHostFile(file);
  try {
    const result = await runCommand([opts.ipPath ?? "/usr/sbin/ip", "netns", "exec", opts.netns, "cat", file], {
      timeoutMs: opts.timeoutMs,
    });
    if (result.exitCode === 0) return { value: result.stdout, error: null };
    if (/No such file or directory/.test(result.stderr)) return { value: null, error: MISSING };
    return { value: null, error: `cannot read ${file}: ${pickMeaningfulLine(result.stderr) ?? `exit status ${result.exitCode}`}` };
  } catch (error) {
    return { value: null, error: describeError(error) };
  }
}

async function readHostFile(file: string): Promise<TPiece<string>> {
  try {
    return { value: await readFile(file, "utf8"), error: null };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { value: null, error: MISSING };
    return { value: null, error: `cannot read ${file}: ${(error as Error).message}` };
  }
}

const ZIpRouteJsonSchema = z.array(z.object({ dst: z.string(), dev: z.string().optional() }));

async function readRoutes(opts: ReadLinuxSecurityFactsOptions): Promise<TPiece<THostRoute[]>> {
  const ip = opts.ipPath ?? "/usr/sbin/ip";
  const argv = opts.netns === undefined ? [ip, "-4", "-j", "route", "show"] : [ip, "-n", opts.netns, "-4", "-j", "route", "show"];
  try {
    const result = await runCommand(argv, { timeoutMs: opts.timeoutMs, missingHint: "install iproute2" });
    if (result.exitCode !== 0) {
      return { value: null, error: `ip route failed: ${pickMeaningfulLine(result.stderr) ?? `exit status ${result.exitCode}`}` };
    }
    const parsed = ZIpRouteJsonSchema.safeParse(JSON.parse(result.stdout.trim() === "" ? "[]" : result.stdout));
    if (!parsed.success) return { value: null, error: "unexpected output of ip -j route show" };
    return { value: parsed.data.map((r) => ({ dst: r.dst, dev: r.dev ?? null })), error: null };
  } catch (error) {
    if (error instanceof SyntaxError) return { value: null, error: "ip -j route show did not print JSON" };
    return { value: null, error: describeError(error) };
  }
}

function parseCount(text: string | null): number | null {
  if (text === null) return null;
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : null;
}

function describeError(error: unknown): string {
  if (error instanceof HostError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
