import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

import { HostError } from "~/server/host/driver";

/**
 * The domain config directory, as the agent may touch it: list, read, and
 * write whole files atomically, never outside the directory.
 *
 * A write goes to a temporary file in the same directory, is fsynced, and
 * replaces the old file with rename(2), so a crash at any moment leaves the
 * old file or the new one, complete; the directory is fsynced after. The
 * previous version is kept in `.vifdeck-backups/`. A write names the content
 * hash the caller read: if the file changed since, it is refused (CONFLICT),
 * and a write for a new file is refused if one appeared.
 */

/** A config file name: one path component, no leading dot, no `..`, nothing outside the directory. */
export const CONFIG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
/** The toolstack's own files live in the same directory but are not domain configs. */
const NOT_DOMAIN_CONFIGS = new Set(["xl.conf", "xend-config.sxp", "xend-pci-permissive.sxp", "xend-pci-quirks.sxp", "cpupool"]);
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Files read at once by readAll: enough to overlap the file system's latency, few enough to hold few descriptors. */
const READ_CONCURRENCY = 16;
export const BACKUP_DIR = ".vifdeck-backups";
const BACKUPS_KEPT = 10;
const TEMP_PREFIX = ".vifdeck-write-";

export type ConfigFileInfo = { name: string; size: number; modifiedAt: number; sha256: string };
export type ConfigFile = ConfigFileInfo & { content: string };

export function hashContent(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

export class ConfigStore {
  private readonly writing = new Map<string, Promise<unknown>>();

  private constructor(readonly dir: string) {}

  /** Opens the directory (its real path) and removes temporary files a killed write left behind. */
  static async open(dir: string): Promise<ConfigStore> {
    const real = await fs.realpath(dir).catch((error: NodeJS.ErrnoException) => {
      throw new HostError("UNAVAILABLE", `the config directory ${dir} cannot be opened (${error.code}): check VIFDECK_CONFIG_DIR`);
    });
    const store = new ConfigStore(real);
    for (const entry of await fs.readdir(real)) {
      if (entry.startsWith(TEMP_PREFIX)) await fs.rm(path.join(real, entry), { force: true });
    }
    return store;
  }

  async list(): Promise<ConfigFileInfo[]> {
    return (await this.readAll()).map(({ name, size, modifiedAt, sha256 }) => ({ name, size, modifiedAt, sha256 }));
  }

  /**
   * Every domain config file with its content, by name; files that cannot be read (gone since the
   * listing, too big, a link out of the directory) are left out, as in list(). A host with 1,000 guests
   * has 1,000 files: they are read a few at a time rather than one after the other.
   */
  async readAll(): Promise<ConfigFile[]> {
    const entries = await fs.readdir(this.dir, { withFileTypes: true });
    const names = entries
      .filter((entry) => CONFIG_NAME_PATTERN.test(entry.name) && !NOT_DOMAIN_CONFIGS.has(entry.name) && (entry.isFile() || entry.isSymbolicLink()))
      .map((entry) => entry.name);
    const files: (ConfigFile | null)[] = new Array(names.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const i = next++;
        files[i] = await this.read(names[i] as string).catch(() => null);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, names.length) }, worker));
    return files.filter((file): file is ConfigFile => file !== null).sort((a, b) => a.name.localeCompare(b.name));
  }

  async read(name: string): Promise<ConfigFile> {
    const file = await this.resolve(name, "read");
    const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") throw new HostError("NOT_FOUND", `no config file "${name}" in ${this.dir}`);
      throw error;
    });
    if (!stat.isFile()) throw new HostError("INVALID_INPUT", `"${name}" is not a regular file`);
    if (stat.size > MAX_CONFIG_BYTES) {
      throw new HostError("INVALID_INPUT", `"${name}" is ${stat.size} bytes; vifdeck reads config files up to ${MAX_CONFIG_BYTES} bytes`);
    }
    const content = await fs.readFile(file, "utf8");
    return { name, content, size: stat.size, modifiedAt: stat.mtimeMs, sha256: hashContent(content) };
  }

  /**
   * Replaces (or creates, with expectedSha256 null) a config file atomically.
   * Writes to one file are serialised; the hash check and the rename happen under that lock.
   */
  async write(name: string, content: string, expectedSha256: string | null): Promise<ConfigFileInfo & { backup: string | null }> {
    if (Buffer.byteLength(content, "utf8") > MAX_CONFIG_BYTES) {
      throw new HostError("INVALID_INPUT", `the new content is larger than ${MAX_CONFIG_BYTES} bytes`);
    }
    const previous = this.writing.get(name) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.writeLocked(name, content, expectedSha256));
    this.writing.set(name, run);
    try {
      return await run;
    } finally {
      if (this.writing.get(name) === run) this.writing.delete(name);
    }
  }

  private async writeLocked(name: string, content: string, expectedSha256: string | null) {
    const file = await this.resolve(name, "write");
    const current = await fs.readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      throw error;
    });
    if (expectedSha256 === null && current !== null) {
      throw new HostError("CONFLICT", `"${name}" already exists: read it first and send its hash to replace it`);
    }
    if (expectedSha256 !== null) {
      if (current === null) throw new HostError("CONFLICT", `"${name}" was deleted since you read it`);
      if (hashContent(current) !== expectedSha256) {
        throw new HostError("CONFLICT", `"${name}" changed on disk since you read it: reload it and apply your edit again`);
      }
    }
    const mode = current === null ? 0o644 : (await fs.stat(file)).mode & 0o777;
    const backup = current === null ? null : await this.keepBackup(name, current);

    const temp = path.join(this.dir, `${TEMP_PREFIX}${name}-${randomBytes(6).toString("hex")}`);
    const handle = await fs.open(temp, "wx", mode);
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temp, file);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    await syncDirectory(this.dir);
    const stat = await fs.stat(file);
    return { name, size: stat.size, modifiedAt: stat.mtimeMs, sha256: hashContent(content), backup };
  }

  private async keepBackup(name: string, content: string): Promise<string> {
    const dir = path.join(this.dir, BACKUP_DIR);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replaceAll(":", "").replace(/\.\d+Z$/, "Z");
    const backupName = `${name}.${stamp}.${randomBytes(3).toString("hex")}`;
    await fs.writeFile(path.join(dir, backupName), content, { mode: 0o600, flag: "wx" });
    const older = (await fs.readdir(dir)).filter((f) => f.startsWith(`${name}.`)).sort();
    for (const stale of older.slice(0, Math.max(0, older.length - BACKUPS_KEPT))) await fs.rm(path.join(dir, stale), { force: true });
    return path.join(BACKUP_DIR, backupName);
  }

  /**
   * The path of a config file, refusing names that could leave the directory: anything but one
   * plain component, the toolstack's own files, and (for reads) symlinks whose target lies
   * outside the directory. Writes never follow a symlink: rename would replace the link itself.
   */
  private async resolve(name: string, purpose: "read" | "write"): Promise<string> {
    if (!CONFIG_NAME_PATTERN.test(name) || name.includes("..")) {
      throw new HostError(
        "INVALID_INPUT",
        `"${name}" is not a config file name: use one file name inside the config directory (letters, digits, . _ + -; no "/" or "..")`,
      );
    }
    if (NOT_DOMAIN_CONFIGS.has(name)) throw new HostError("INVALID_INPUT", `"${name}" is the toolstack's own file, not a domain config`);
    const file = path.join(this.dir, name);
    const stat = await fs.lstat(file).catch(() => null);
    if (stat?.isSymbolicLink()) {
      if (purpose === "write") {
        throw new HostError("INVALID_INPUT", `"${name}" is a symbolic link: vifdeck does not write through links; edit its target`);
      }
      const target = await fs.realpath(file).catch(() => null);
      if (!target || path.dirname(target) !== this.dir) {
        throw new HostError("INVALID_INPUT", `"${name}" is a symbolic link that points outside the config directory`);
      }
      return target;
    }
    return file;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
