import { closeSync, lstatSync, openSync, readFileSync, readSync, statSync, utimesSync } from "node:fs";

import { HostError } from "~/server/host/driver";
import { COUNTER_NAMES, countersOfColumns, type TCounterColumns, type TCounters } from "~/server/host/inventory";
import { parseProcNetDevColumns, type ProcNetDevColumns } from "~/server/host/linux/proc-net-dev";
import { resolveLinuxPaths } from "~/server/host/linux/paths";
import type { LinuxReaderOptions } from "~/server/host/linux/paths";

/**
 * Counters of every interface with its ifindex, read fast enough for thousands
 * of interfaces (see scripts/bench/linux-reader.bench.ts for the measurements
 * behind these choices).
 *
 * Counters come from /proc/net/dev: one read, about the cost of the kernel
 * summing its per-CPU statistics. At 2,000 interfaces, against that bare read
 * (readFileSync of the file as a string): the sysfs statistics files ~70×,
 * `ip -j -s link` ~10×, this reader ~0.7× — it reads into a buffer it keeps
 * and parses the bytes, where readFileSync allocates a buffer and a string
 * of ~250 KB each time.
 *
 * /proc/net/dev has no ifindex, and reading /sys/class/net/<name>/ifindex for
 * every interface on every sample costs ~9× the bare read, so
 * ifindexes are cached by name. The cache must notice an interface recreated
 * under the same name — a guest with `vifname=web1` reboots and `web1` comes
 * back with a new ifindex and counters from zero; that is a new incarnation —
 * so it is validated on every read:
 *
 * - "sysfs-mtime" (default): kernfs updates the modification time of
 *   /sys/class/net whenever an interface is added or removed (in any network
 *   namespace), once that directory has inode attributes — which setting its
 *   times once gives it. The reader does that at start (a harmless utimes on a
 *   sysfs directory) and then compares one stat before and after each read of
 *   /proc/net/dev: unchanged means no interface came or went in between, so
 *   the cached ifindexes still hold; a time different from the last read's
 *   means each cached entry is checked as in "lstat" mode, once; a change
 *   during the read means read again.
 * - "lstat" (fallback when the times cannot be set): the sysfs node of a
 *   recreated interface has a new inode number, checked with one lstat per
 *   interface per read (~4–5× the bare read of /proc/net/dev in all).
 *
 * In both modes a name never seen before (a rename keeps the ifindex, but the
 * name is new) and a name whose counters went down are looked up again. Not
 * detected: two interfaces swapping names (three renames) between two reads
 * without any counter going down.
 */
export type CounterReaderOptions = LinuxReaderOptions & {
  /** Default "sysfs-mtime", which falls back to "lstat" when the times cannot be set. */
  changeDetection?: "sysfs-mtime" | "lstat";
  /** Clock for `at`; tests pin it. */
  now?: () => number;
  /** First size of the buffer /proc/net/dev is read into (it grows as needed); tests make it small. */
  initialBufferBytes?: number;
};

/** A cached ifindex, with where the interface's counters were in the last read (for the went-down check). */
type CachedInterface = { ifindex: number; ino: number; values: ProcNetDevColumns["values"]; at: number };

const MAX_ATTEMPTS = 5;
const COUNTERS = COUNTER_NAMES.length;

export class CounterReader {
  private readonly sysClassNet: string;
  private readonly procNetDev: string;
  private readonly now: () => number;
  private mode: "sysfs-mtime" | "lstat";
  private armed = false;
  /** The /sys/class/net mtime the cached ifindexes were read at (sysfs-mtime mode). */
  private cachedGeneration: bigint | null = null;
  private readonly cache = new Map<string, CachedInterface>();
  /** Where /proc/net/dev is read (readProcNetDev). */
  private buffer: Buffer;

  constructor(opts: CounterReaderOptions = {}) {
    const paths = resolveLinuxPaths(opts);
    this.sysClassNet = paths.sysClassNet;
    this.procNetDev = paths.procNetDev;
    this.mode = opts.changeDetection ?? "sysfs-mtime";
    this.now = opts.now ?? Date.now;
    this.buffer = Buffer.allocUnsafe(opts.initialBufferBytes ?? 64 * 1024);
  }

  /** Which change detection is in use (after the first read). */
  get changeDetection(): "sysfs-mtime" | "lstat" {
    return this.mode;
  }

  /** Every interface's counters as columns (what the agent sends: no bigint per counter). */
  readCounterColumns(): TCounterColumns {
    if (this.mode === "sysfs-mtime" && !this.armed) this.arm();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const result = this.mode === "sysfs-mtime" ? this.tryReadByGeneration() : this.readByInode();
      if (result) return { at: this.now(), names: result.names, ifindex: result.ifindex, values: result.values };
    }
    throw new HostError("UNAVAILABLE", `interfaces kept appearing and disappearing during ${MAX_ATTEMPTS} reads of ${this.procNetDev}; try again`);
  }

  readCounters(): TCounters {
    return countersOfColumns(this.readCounterColumns());
  }

  /** Forget every cached ifindex (the next read looks all of them up). */
  invalidate(): void {
    this.cache.clear();
    this.cachedGeneration = null;
  }

  private arm(): void {
    try {
      const now = new Date();
      utimesSync(this.sysClassNet, now, now);
      this.armed = true;
    } catch {
      this.mode = "lstat";
    }
  }

  private generation(): bigint {
    return statSync(this.sysClassNet, { bigint: true }).mtimeNs;
  }

  private tryReadByGeneration(): Resolved | null {
    const before = this.generation();
    const { bytes, length } = this.readProcNetDev();
    const read = parseProcNetDevColumns(bytes, length);
    if (this.generation() !== before) return null;
    // Something came or went since the last read: check each cached entry against its sysfs inode.
    const changed = before !== this.cachedGeneration;
    const out = this.resolve(read, changed ? this.isStaleByInode : isStaleByCounters);
    if (!out) return null;
    // Lookups made after the counters were read are only valid if nothing came or went meanwhile.
    if (this.generation() !== before) {
      this.cachedGeneration = null;
      return null;
    }
    this.cachedGeneration = before;
    return out;
  }

  private readByInode(): Resolved | null {
    const { bytes, length } = this.readProcNetDev();
    return this.resolve(parseProcNetDevColumns(bytes, length), this.isStaleByInode);
  }

  private readonly isStaleByInode = (name: string, values: ProcNetDevColumns["values"], at: number, cached: CachedInterface | undefined): boolean => {
    if (isStaleByCounters(name, values, at, cached) || !cached) return true;
    const ino = this.inodeOf(name);
    return ino === null || ino !== cached.ino;
  };

  /** Pairs each interface with its ifindex, looking up those `stale` says; null when an interface vanished meanwhile. */
  private resolve(read: ProcNetDevColumns, stale: (name: string, values: ProcNetDevColumns["values"], at: number, cached: CachedInterface | undefined) => boolean): Resolved | null {
    const { names, values } = read;
    const ifindex = new Array<number>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const at = i * COUNTERS;
      let cached = this.cache.get(name);
      if (stale(name, values, at, cached)) {
        const looked = this.lookUp(name);
        if (!looked) {
          this.cache.delete(name);
          return null;
        }
        cached = { ifindex: looked.ifindex, ino: looked.ino, values, at };
        this.cache.set(name, cached);
      } else if (cached) {
        cached.values = values;
        cached.at = at;
      } else {
        return null;
      }
      ifindex[i] = cached.ifindex;
    }
    if (this.cache.size > names.length) {
      const seen = new Set(names);
      for (const name of this.cache.keys()) if (!seen.has(name)) this.cache.delete(name);
    }
    return { names, ifindex, values };
  }

  private lookUp(name: string): { ifindex: number; ino: number } | null {
    try {
      const ino = this.inodeOf(name);
      const ifindex = Number(readFileSync(`${this.sysClassNet}/${name}/ifindex`, "latin1").trim());
      if (ino === null || !Number.isInteger(ifindex)) return null;
      return { ifindex, ino };
    } catch {
      return null;
    }
  }

  private inodeOf(name: string): number | null {
    return lstatSync(`${this.sysClassNet}/${name}`, { throwIfNoEntry: false })?.ino ?? null;
  }

  /**
   * /proc/net/dev into a buffer kept between reads (grown when the file outgrows it): no new
   * ~250 KB buffer and string per read at 2,000 interfaces, as readFileSync makes.
   */
  private readProcNetDev(): { bytes: Buffer; length: number } {
    let fd: number | null = null;
    try {
      fd = openSync(this.procNetDev, "r");
      let length = 0;
      for (;;) {
        if (length === this.buffer.length) {
          const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(bigger, 0, 0, length);
          this.buffer = bigger;
        }
        const read = readSync(fd, this.buffer, length, this.buffer.length - length, null);
        if (read === 0) return { bytes: this.buffer, length };
        length += read;
      }
    } catch (error) {
      throw new HostError("UNAVAILABLE", `cannot read ${this.procNetDev}: ${(error as Error).message}`);
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
}

type Resolved = { names: string[]; ifindex: number[]; values: ProcNetDevColumns["values"] };

function isStaleByCounters(_name: string, values: ProcNetDevColumns["values"], at: number, cached: CachedInterface | undefined): boolean {
  return !cached || wentDown(cached.values, cached.at, values, at);
}

/** Byte and packet counters, in COUNTER_NAMES order (rxBytes, txBytes, rxPackets, txPackets). */
const WATCHED = 4;

/** A counter that went down means a new interface under an old name (or a driver reset): look it up again. */
function wentDown(prev: ProcNetDevColumns["values"], prevAt: number, cur: ProcNetDevColumns["values"], curAt: number): boolean {
  for (let c = 0; c < WATCHED; c++) {
    const p = prev[prevAt + c] as number | string;
    const v = cur[curAt + c] as number | string;
    // Numbers are safe integers and strings are beyond them: mixed pairs compare by kind.
    if (typeof p === "number" && typeof v === "number" ? v < p : BigInt(v) < BigInt(p)) return true;
  }
  return false;
}
