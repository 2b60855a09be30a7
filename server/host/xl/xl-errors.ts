import { HostError } from "~/server/host/driver";
import type { HostErrorCode } from "~/server/host/driver";
import { formatCommand } from "~/server/host/exec";

/**
 * xl's error output (network-attach, network-detach, shutdown, destroy) read
 * into a typed error with a message an admin can act on. Texts as Xen 4.17
 * prints them (captures 35–46, 51–53, 77–78, 101–107, 131 in ./testdata).
 */
export type TXlErrorKind =
  | "invalid-domain"
  | "unknown-device"
  | "hotplug-script"
  | "device-exists"
  | "invalid-parameter"
  | "unrecognized-argument"
  | "config-parse"
  | "failed";

export type TXlError = {
  kind: TXlErrorKind;
  code: HostErrorCode;
  /** For the admin: what happened and what to do. */
  message: string;
  /** The line of xl's output the message is based on. */
  line: string | null;
  /** The hotplug script's own message (`script: …`). */
  scriptMessage: string | null;
  /** The devid a failed attach used (and may have left behind), when xl names it. */
  devid: number | null;
};

export function parseXlError(stderr: string): TXlError {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^libxl: debug:|^xencall:buffer: debug:/.test(l));
  const find = (re: RegExp) => {
    for (const line of lines) {
      const m = re.exec(line);
      if (m) return { line, m };
    }
    return null;
  };
  const devidHit = find(/Unable to add vif with id (\d+)/);
  const devid = devidHit?.m[1] !== undefined ? Number(devidHit.m[1]) : null;
  const base = { scriptMessage: null, devid };

  const invalidDomain = find(/^(.+) is an invalid domain identifier \(rc=-?\d+\)$/);
  if (invalidDomain) {
    return { ...base, kind: "invalid-domain", code: "NOT_FOUND", line: invalidDomain.line, message: `No domain "${invalidDomain.m[1] ?? ""}" is running (xl knows no domain by that name or domid).` };
  }
  const noDomid = find(/unable to get domain type for domid=(\d+)|Domain (\d+):Non-existant domain/);
  if (noDomid) {
    const domid = noDomid.m[1] ?? noDomid.m[2] ?? "";
    return { ...base, kind: "invalid-domain", code: "NOT_FOUND", line: noDomid.line, message: `No domain with domid ${domid} exists.` };
  }
  const unknownDevice = find(/^Unknown device (.+)\.$/);
  if (unknownDevice) {
    return {
      ...base,
      kind: "unknown-device",
      code: "NOT_FOUND",
      line: unknownDevice.line,
      message: `The domain has no vif ${unknownDevice.m[1] ?? ""} (no such devid or MAC).`,
    };
  }
  const script = find(/device_hotplug_child_death_cb: script: (.*)$/);
  if (script) {
    const text = script.m[1] ?? "";
    const left = devid === null ? "" : ` The backend (devid ${devid}) may be left behind, down and on no bridge: detach it.`;
    let code: HostErrorCode = "COMMAND_FAILED";
    let advice = "";
    if (/^Could not find bridge device (\S+)/.test(text)) {
      code = "NOT_FOUND";
      advice = " Create the bridge first, or choose an existing one.";
    } else if (/An interface with name (\S+) already exists/.test(text)) {
      code = "CONFLICT";
      advice = " Choose another vifname: it must be unique on the host.";
    } else if (/^ip link set \S+ name (\S+) failed$/.test(text)) {
      code = "INVALID_INPUT";
      advice = " The kernel refused the name: a vifname has at most 15 characters.";
    }
    return {
      ...base,
      kind: "hotplug-script",
      code,
      line: script.line,
      scriptMessage: text,
      message: `The vif hotplug script failed: ${text}.${advice}${left}`,
    };
  }
  const exists = find(/device already exists in xenstore/);
  if (exists) {
    return {
      ...base,
      kind: "device-exists",
      code: "CONFLICT",
      line: exists.line,
      message:
        "xl picked a devid that is already in xenstore. This happens once devid 10 exists (xl orders devids as strings) or after a failed attach left a device behind: detach the highest or the leftover devid, then try again.",
    };
  }
  const invalidParam = find(/^Invalid parameter `([^']*)'\.$/);
  if (invalidParam) {
    const param = invalidParam.m[1] ?? "";
    return { ...base, kind: "invalid-parameter", code: "INVALID_INPUT", line: invalidParam.line, message: `xl refused the value of ${param}=.` };
  }
  const unrecognized = find(/^unrecognized argument `([^']*)'$/);
  if (unrecognized) {
    return { ...base, kind: "unrecognized-argument", code: "INVALID_INPUT", line: unrecognized.line, message: `xl does not know the vif setting "${unrecognized.m[1] ?? ""}".` };
  }
  const parse = find(/config parsing error in vif: (.*)$/);
  if (parse) {
    return { ...base, kind: "config-parse", code: "INVALID_INPUT", line: parse.line, message: `xl refused the vif settings: ${parse.m[1] ?? ""}.` };
  }
  const lastError = [...lines].reverse().find((l) => /error|fail/i.test(l)) ?? lines.at(-1) ?? null;
  return { ...base, kind: "failed", code: "COMMAND_FAILED", line: lastError, message: `xl failed${lastError ? `: ${lastError}` : "."}` };
}

/** The HostError for a failed xl command. */
export function toXlHostError(result: { command: string[]; exitCode: number | null; stderr: string }): HostError {
  const error = parseXlError(result.stderr);
  return new HostError(error.code, `${formatCommand(result.command.slice(1))}: ${error.message}`, {
    command: result.command,
    exitCode: result.exitCode,
    stderr: result.stderr,
  });
}

/**
 * The HostError for a failed `xl network-attach` / `network-detach`, the same
 * for both drivers: NOT_FOUND when the domain or the device does not exist,
 * else COMMAND_FAILED; the message is parseXlError's explanation (e.g. "The vif
 * hotplug script failed: Could not find bridge device nosuchbr0. …"), and the
 * details carry the command, its exit status and xl's own stderr.
 */
export function toVifCommandError(result: { command: string[]; exitCode: number | null; stderr: string }): HostError {
  const error = parseXlError(result.stderr);
  const code: HostErrorCode = error.kind === "invalid-domain" || error.kind === "unknown-device" ? "NOT_FOUND" : "COMMAND_FAILED";
  return new HostError(code, error.message, { command: result.command, exitCode: result.exitCode, stderr: result.stderr });
}
