import { HostError } from "~/server/host/driver";
import { formatNetworkAttachArgv } from "~/server/xen";

/**
 * Argument vectors for xl's vif commands, shared by the xl and the sim driver.
 * What goes into a vif (keys, MACs, rates, vifnames) is server/xen's business:
 * the agent builds the tokens with its formatNetworkAttachArgv and validates
 * them before. Here only what xl could misread as something else is refused:
 * a domain server/xen would not write, a word that getopt would take for an
 * option (a leading "-"), a line break or NUL.
 */

/** `xl network-attach <domain> <token>…`, each token one argv element, as the agent gave them. */
export function buildNetworkAttachArgv(xlPath: string, domain: string, tokens: readonly string[]): string[] {
  checkDomain(domain);
  for (const token of tokens) {
    if (token.startsWith("-") || /[\n\r\0]/.test(token)) {
      throw new HostError("INVALID_INPUT", `${JSON.stringify(token)} cannot be passed to xl network-attach: a vif setting is key=value, without a leading "-" or a line break`);
    }
  }
  return [xlPath, "network-attach", domain, ...tokens];
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

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function checkDomain(domain: string): void {
  const problem = formatNetworkAttachArgv(domain, []).diagnostics.find((d) => d.code === "ATTACH_NO_DOMAIN");
  if (problem) throw new HostError("INVALID_INPUT", problem.message);
}
