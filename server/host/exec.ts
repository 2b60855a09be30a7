import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

import { HostError } from "~/server/host/driver";

/**
 * Runs one external command for a host driver: an argument vector (never a
 * shell), a timeout that kills the whole process group, a cap on the output
 * kept, and failures turned into HostErrors with stable codes.
 */

export type RunCommandOptions = {
  timeoutMs: number;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Cap on stdout and on stderr, each; the command is killed when it prints more. Default 32 MiB. */
  maxOutputBytes?: number;
  /** The whole environment of the command. Default: {@link DEFAULT_COMMAND_ENV}. */
  env?: Readonly<Record<string, string>>;
  /** Throw COMMAND_FAILED when the command exits non-zero. Default false: the caller reads exitCode. */
  throwOnFailure?: boolean;
  /** Added to the COMMAND_MISSING message, e.g. "install xen-utils or set VIFDECK_XL_PATH". */
  missingHint?: string;
};

export type CommandResult = {
  command: string[];
  stdout: string;
  stderr: string;
  /** null when the command was ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
};

/** A fixed, minimal environment: the C locale keeps the outputs we parse stable. */
export const DEFAULT_COMMAND_ENV: Readonly<Record<string, string>> = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  LC_ALL: "C",
  LANG: "C",
};

const DEFAULT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
/** How long a killed command may take to release its pipes before we stop waiting. */
const KILL_GRACE_MS = 1_000;

export function runCommand(argv: readonly string[], opts: RunCommandOptions): Promise<CommandResult> {
  const [file, ...args] = argv;
  const command = [...argv];
  if (file === undefined || file === "") {
    return Promise.reject(new HostError("INVALID_INPUT", "runCommand needs a non-empty argument vector"));
  }
  const maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const started = performance.now();

  return new Promise<CommandResult>((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    let overflowed: "stdout" | "stderr" | null = null;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;

    const child = spawn(file, args, {
      shell: false,
      // Own process group, so a timeout kills the command and everything it started.
      detached: true,
      // Exactly the given variables (ProcessEnv is augmented elsewhere with required keys, hence the cast).
      env: { ...(opts.env ?? DEFAULT_COMMAND_ENV) } as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };

    let graceTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      killGroup();
      // A descendant that left the group may still hold the pipes: do not wait for it forever.
      graceTimer ??= setTimeout(() => finish(null, "SIGKILL"), KILL_GRACE_MS);
    };

    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      const details = { command, exitCode, stderr };
      const shown = formatCommand(command);
      if (timedOut) {
        reject(new HostError("COMMAND_TIMEOUT", `${shown} did not finish within ${opts.timeoutMs} ms and was killed`, details));
        return;
      }
      if (overflowed) {
        reject(
          new HostError("COMMAND_FAILED", `${shown} printed more than ${maxOutputBytes} bytes on ${overflowed} and was killed`, details),
        );
        return;
      }
      const result: CommandResult = { command, stdout, stderr, exitCode, signal, durationMs };
      if (opts.throwOnFailure && exitCode !== 0) {
        reject(commandFailedError(result));
        return;
      }
      resolve(result);
    };

    const collect = (chunks: Buffer[], which: "stdout" | "stderr") => (chunk: Buffer) => {
      if (overflowed) return;
      const total = (which === "stdout" ? (outBytes += chunk.length) : (errBytes += chunk.length));
      if (total > maxOutputBytes) {
        overflowed = which;
        stop();
        return;
      }
      chunks.push(chunk);
    };
    child.stdout.on("data", collect(out, "stdout"));
    child.stderr.on("data", collect(err, "stderr"));

    child.on("error", (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      reject(spawnError(command, error, opts.missingHint));
    });
    child.on("close", (code, signal) => finish(code, signal));

    // A command that does not read its stdin must not make us fail with EPIPE.
    child.stdin.on("error", () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** The COMMAND_FAILED error for a finished command, naming its most telling stderr line. */
export function commandFailedError(result: CommandResult, summary?: string): HostError {
  const how = result.exitCode === null ? `was ended by ${result.signal ?? "a signal"}` : `exited with status ${result.exitCode}`;
  const line = summary ?? pickMeaningfulLine(result.stderr) ?? pickMeaningfulLine(result.stdout);
  return new HostError("COMMAND_FAILED", `${formatCommand(result.command)} ${how}${line ? `: ${line}` : ""}`, {
    command: result.command,
    exitCode: result.exitCode,
    stderr: result.stderr,
  });
}

/**
 * The line of a command's error output worth showing: the last line that is
 * not debug chatter, preferring one that names an error.
 */
export function pickMeaningfulLine(text: string): string | null {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/\bdebug:/i.test(line));
  const errorLine = [...lines].reverse().find((line) => /error|fail|invalid|unknown|cannot|could not|not found|denied/i.test(line));
  return errorLine ?? lines.at(-1) ?? null;
}

/** A command line for messages and the audit log; arguments with spaces are quoted for reading only. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(" ");
}

function spawnError(command: string[], error: NodeJS.ErrnoException, hint: string | undefined): HostError {
  const file = command[0] ?? "";
  const details = { command, exitCode: null };
  const suffix = hint ? `: ${hint}` : "";
  if (error.code === "ENOENT") {
    const where = file.includes("/") ? `${basename(file)} not found at ${file}` : `${file} not found in PATH`;
    return new HostError("COMMAND_MISSING", `${where}${suffix}`, details);
  }
  if (error.code === "EACCES") {
    return new HostError("COMMAND_MISSING", `${file} exists but cannot be executed (permission denied)${suffix}`, details);
  }
  return new HostError("COMMAND_FAILED", `${formatCommand(command)} could not be started: ${error.message}`, details);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
