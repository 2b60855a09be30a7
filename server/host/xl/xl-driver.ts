import { readFile } from "node:fs/promises";

import { HostError } from "~/server/host/driver";
import type { HostDriver, TAttachRequest, TCommandOutcome, TDetachRequest } from "~/server/host/driver";
import { commandFailedError, runCommand } from "~/server/host/exec";
import type { TCounterColumns, TCounters, THost, TInventory } from "~/server/host/inventory";
import { CounterReader } from "~/server/host/linux/counter-reader";
import type { CounterReaderOptions } from "~/server/host/linux/counter-reader";
import { readLinks } from "~/server/host/linux/network-reader";
import { readLinuxSecurityFacts } from "~/server/host/security/read-linux-facts";
import type { TSecurityFacts } from "~/server/host/security-facts";
import { buildNetworkAttachArgv, buildNetworkDetachArgv } from "~/server/host/xl/argv";
import { buildInventory } from "~/server/host/xl/build-inventory";
import { determineNetworkMode } from "~/server/host/xl/network-mode";
import { parseXlInfo, parseXlList, parseXlListLong } from "~/server/host/xl/parse-xl";
import type { TXlDomainConfig } from "~/server/host/xl/parse-xl";
import { toVifCommandError } from "~/server/host/xl/xl-errors";
import { BACKEND_VIF_ROOT, extractBackendVifs, parseXenstoreLs } from "~/server/host/xl/xenstore";
import type { TBackendVif } from "~/server/host/xl/xenstore";

export type XlDriverOptions = {
  /** Default /usr/sbin/xl (the agent passes VIFDECK_XL_PATH). */
  xlPath?: string;
  /** Default /usr/bin/xenstore-ls (package xenstore-utils). */
  xenstoreLsPath?: string;
  xlConfPath?: string;
  xendConfigPath?: string;
  /** Timeout of each command; xl list takes ~1 s on a slow host. Default 30 s. */
  commandTimeoutMs?: number;
  /** Where the Linux reader looks (tests point it into a network namespace). */
  linux?: CounterReaderOptions;
};

/**
 * The real toolstack: xl and xenstore for domains and vifs, Linux for what the
 * kernel actually has (interfaces, bridges, counters), and `xl network-attach`
 * / `network-detach` run as the agent asks (argv from ./argv, errors read by
 * ./xl-errors). Config files are the agent's (server/agent/config-store.ts).
 */
export class XlDriver implements HostDriver {
  readonly name = "xl";
  private readonly xlPath: string;
  private readonly xenstoreLsPath: string;
  private readonly xlConfPath: string;
  private readonly xendConfigPath: string;
  private readonly timeoutMs: number;
  private readonly linux: CounterReaderOptions;
  private readonly counters: CounterReader;
  private hostInfo: Promise<Pick<THost, "hostname" | "xenVersion" | "kernel">> | null = null;

  constructor(opts: XlDriverOptions = {}) {
    this.xlPath = opts.xlPath ?? "/usr/sbin/xl";
    this.xenstoreLsPath = opts.xenstoreLsPath ?? "/usr/bin/xenstore-ls";
    this.xlConfPath = opts.xlConfPath ?? "/etc/xen/xl.conf";
    this.xendConfigPath = opts.xendConfigPath ?? "/etc/xen/xend-config.sxp";
    this.timeoutMs = opts.commandTimeoutMs ?? 30_000;
    this.linux = { timeoutMs: this.timeoutMs, ...opts.linux };
    this.counters = new CounterReader(this.linux);
  }

  async readInventory(): Promise<TInventory> {
    const [listText, configs, backendVifs, links, info, xlConf, xendConfig] = await Promise.all([
      this.xl(["list"]),
      this.xl(["list", "-l"]).then(parseXlListLong, (error: unknown) => {
        // Without it only the domain types are lost (and the NICs' data if xenstore fails too).
        if (error instanceof HostError && error.code !== "COMMAND_MISSING") return [] as TXlDomainConfig[];
        throw error;
      }),
      this.readBackendVifs(),
      readLinks(this.linux),
      this.readHostInfo(),
      readOptionalFile(this.xlConfPath),
      readOptionalFile(this.xendConfigPath),
    ]);
    const mode = determineNetworkMode({ xlConf, xendConfig });
    return buildInventory({
      host: { ...info, ...mode },
      list: parseXlList(listText),
      configs,
      backendVifs,
      links,
      defaultScript: mode.vifScript,
    });
  }

  readCounters(): Promise<TCounters> {
    try {
      return Promise.resolve(this.counters.readCounters());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  readCounterColumns(): Promise<TCounterColumns> {
    try {
      return Promise.resolve(this.counters.readCounterColumns());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `xl network-attach <domain> <tokens…>`; a non-zero exit becomes toVifCommandError's HostError. */
  attachVif(request: TAttachRequest): Promise<TCommandOutcome> {
    return this.runVifCommand(() => buildNetworkAttachArgv(this.xlPath, request.domain, request.tokens));
  }

  /** `xl network-detach <domain> <devid>`; "Unknown device" and an unknown domain are NOT_FOUND. */
  detachVif(request: TDetachRequest): Promise<TCommandOutcome> {
    return this.runVifCommand(() => buildNetworkDetachArgv(this.xlPath, request.domain, request.devid));
  }

  /** iptables-save, bridge-nf-call-iptables, netloop, conntrack and routes; unreadable pieces come back null with a reason. */
  readSecurityFacts(): Promise<TSecurityFacts> {
    return readLinuxSecurityFacts({ timeoutMs: this.timeoutMs, ...(this.linux.netns === undefined ? {} : { netns: this.linux.netns }) });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async runVifCommand(buildArgv: () => string[]): Promise<TCommandOutcome> {
    const argv = buildArgv();
    const result = await runCommand(argv, { timeoutMs: this.timeoutMs, missingHint: "install xen-utils or set VIFDECK_XL_PATH" });
    if (result.exitCode !== 0) throw toVifCommandError(result);
    return { command: result.command, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, durationMs: result.durationMs };
  }

  private readHostInfo() {
    this.hostInfo ??= this.xl(["info"]).then(
      (text) => {
        const info = parseXlInfo(text);
        return { hostname: info.host ?? "", xenVersion: info.xen_version ?? "", kernel: info.release ?? "" };
      },
      (error: unknown) => {
        this.hostInfo = null; // try again next time
        throw error;
      },
    );
    return this.hostInfo;
  }

  /** Every backend vif, from xenstore; null when xenstore cannot be read (xl list -l stands in). */
  private async readBackendVifs(): Promise<TBackendVif[] | null> {
    try {
      const result = await runCommand([this.xenstoreLsPath, "-f", BACKEND_VIF_ROOT], {
        timeoutMs: this.timeoutMs,
        missingHint: "install xenstore-utils",
      });
      // No vif at all: the directory does not exist yet.
      if (result.exitCode !== 0) return /No such file|ENOENT|could not access/i.test(result.stderr) ? [] : null;
      return extractBackendVifs(parseXenstoreLs(result.stdout));
    } catch (error) {
      if (error instanceof HostError) return null;
      throw error;
    }
  }

  private async xl(args: string[]): Promise<string> {
    const result = await runCommand([this.xlPath, ...args], {
      timeoutMs: this.timeoutMs,
      missingHint: "install xen-utils or set VIFDECK_XL_PATH",
    });
    if (result.exitCode !== 0) throw commandFailedError(result);
    return result.stdout;
  }
}

async function readOptionalFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}
