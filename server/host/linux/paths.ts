/**
 * Where the Linux reader looks. The defaults are the host's own view; tests and
 * the benchmark point them into a network namespace: `/proc/<pid>/net/dev` and
 * `/proc/<pid>/root/sys/class/net` of a process running in it (`ip netns exec`
 * mounts a sysfs of the namespace for that process), and `netns` makes the
 * `ip`/`bridge` commands run there (`ip -n <netns>`).
 */
export type LinuxReaderOptions = {
  sysClassNet?: string;
  procNetDev?: string;
  netns?: string;
  ipPath?: string;
  bridgePath?: string;
  /** Timeout of each `ip`/`bridge` command. */
  timeoutMs?: number;
};

export type TLinuxPaths = Required<Omit<LinuxReaderOptions, "netns">> & { netns: string | null };

export function resolveLinuxPaths(opts: LinuxReaderOptions = {}): TLinuxPaths {
  return {
    sysClassNet: opts.sysClassNet ?? "/sys/class/net",
    procNetDev: opts.procNetDev ?? "/proc/net/dev",
    netns: opts.netns ?? null,
    ipPath: opts.ipPath ?? "/usr/sbin/ip",
    bridgePath: opts.bridgePath ?? "/usr/sbin/bridge",
    timeoutMs: opts.timeoutMs ?? 10_000,
  };
}
