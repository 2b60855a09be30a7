import { z } from "zod";

/**
 * The raw facts behind the security posture, as a host driver reads them.
 * The findings themselves are computed from these, the inventory and the
 * config files, in one pure place (server/host/security/posture.ts).
 *
 * Every piece can be missing (a module not loaded, a command not installed, a
 * timeout); then its value is null and its `…Error` says why, in words the
 * finding can show. Reading never fails as a whole.
 */

export const ZHostRouteSchema = z.strictObject({
  /** `default`, or the destination as ip prints it (`10.0.0.5`, `10.0.0.0/24`). */
  dst: z.string().min(1),
  /** The interface the route goes out of; null for routes without one (blackhole, unreachable). */
  dev: z.string().nullable(),
});
export type THostRoute = z.infer<typeof ZHostRouteSchema>;

export const ZSecurityFactsSchema = z.strictObject({
  /** `iptables-save` output (every IPv4 table), or null when iptables is not installed or not readable. */
  iptablesSave: z.string().nullable(),
  /** Why iptablesSave is null, for the finding's text. */
  iptablesError: z.string().nullable(),
  /** /proc/sys/net/bridge/bridge-nf-call-iptables: "1", "0", or null when br_netfilter is not loaded. */
  bridgeNfCallIptables: z.enum(["0", "1"]).nullable(),
  bridgeNfCallIptablesError: z.string().nullable(),
  /** The netloop module's nloopbacks parameter when the module is loaded (old dom0 kernels), else null. */
  netloopLoopbacks: z.number().int().nonnegative().nullable(),
  /** Why netloopLoopbacks is null ("not loaded" is the normal case on pvops kernels). */
  netloopError: z.string().nullable(),
  /** nf_conntrack's table size and use, when conntrack is loaded. */
  conntrack: z.strictObject({ count: z.number().int().nonnegative(), max: z.number().int().positive() }).nullable(),
  conntrackError: z.string().nullable(),
  /** The main IPv4 routing table (`ip -4 -j route show`): vif-route puts a host route per guest address in it. */
  routes: z.array(ZHostRouteSchema).nullable(),
  routesError: z.string().nullable(),
});
export type TSecurityFacts = z.infer<typeof ZSecurityFactsSchema>;
