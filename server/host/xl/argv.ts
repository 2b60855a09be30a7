import { HostError } from "~/server/host/driver";

/**
 * Argument vectors for xl's vif commands. Values go to xl as one argv element
 * each (`key=value`), never through a shell; xl itself splits the vif spec on
 * commas, so a value must not contain one (nor a newline or NUL).
 */
export type TVifAttachSpec = {
  mac?: string;
  bridge?: string;
  vifname?: string;
  /** One or more addresses; xl takes them space-separated in one `ip=`. */
  ips?: string[];
  script?: string;
  /** As the config file writes it, e.g. `10Mb/s` or `10Mb/s@50ms`. */
  rate?: string;
  model?: string;
  type?: "vif" | "ioemu";
  gatewaydev?: string;
};

const DOMAIN = /^[A-Za-z0-9_.:-]{1,64}$/;
const VALUE = /^[^,\n\r\0=]*$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export function buildNetworkAttachArgv(xlPath: string, domain: string, spec: TVifAttachSpec): string[] {
  checkDomain(domain);
  const pairs: [string, string | undefined][] = [
    ["mac", spec.mac],
    ["bridge", spec.bridge],
    ["vifname", spec.vifname],
    ["ip", spec.ips && spec.ips.length > 0 ? spec.ips.join(" ") : undefined],
    ["script", spec.script],
    ["rate", spec.rate],
    ["model", spec.model],
    ["type", spec.type],
    ["gatewaydev", spec.gatewaydev],
  ];
  const args: string[] = [];
  for (const [key, value] of pairs) {
    if (value === undefined) continue;
    if (!VALUE.test(value) || value.trim() !== value || value === "") {
      throw new HostError("INVALID_INPUT", `${key}= must be non-empty, without commas, "=", newlines or surrounding spaces`);
    }
    args.push(`${key}=${value}`);
  }
  if (spec.mac !== undefined && !MAC.test(spec.mac)) throw new HostError("INVALID_INPUT", `mac=${spec.mac} is not a MAC address (six hex pairs)`);
  return [xlPath, "network-attach", domain, ...args];
}

/** `xl network-detach <domain> <devid|mac>`. */
export function buildNetworkDetachArgv(xlPath: string, domain: string, device: number | string): string[] {
  checkDomain(domain);
  const id = typeof device === "number" ? device : device.trim();
  if (typeof id === "number" ? !Number.isInteger(id) || id < 0 : !MAC.test(id)) {
    throw new HostError("INVALID_INPUT", `a vif is named by its devid (a number) or its MAC, not "${String(device)}"`);
  }
  return [xlPath, "network-detach", domain, String(id)];
}

function checkDomain(domain: string): void {
  if (!DOMAIN.test(domain) || domain.startsWith("-")) {
    throw new HostError("INVALID_INPUT", `"${domain}" is not a domain name or domid`);
  }
}
