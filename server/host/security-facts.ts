import { z } from "zod";

/**
 * The raw facts behind the security posture, as a host driver reads them.
 * The findings themselves are computed from these, the inventory and the
 * config files, in one pure place (server/host/security/posture.ts).
 */
export const ZSecurityFactsSchema = z.strictObject({
  /** `iptables-save` output (filter and raw tables), or null when iptables is not installed or not readable. */
  iptablesSave: z.string().nullable(),
  /** Why iptablesSave is null, for the finding's text. */
  iptablesError: z.string().nullable(),
  /** /proc/sys/net/bridge/bridge-nf-call-iptables: "1", "0", or null when br_netfilter is not loaded. */
  bridgeNfCallIptables: z.enum(["0", "1"]).nullable(),
  /** The netloop module's nloopbacks parameter when the module is loaded (old dom0 kernels), else null. */
  netloopLoopbacks: z.number().int().nonnegative().nullable(),
  /** nf_conntrack's table size and use, when conntrack is loaded. */
  conntrack: z.strictObject({ count: z.number().int().nonnegative(), max: z.number().int().positive() }).nullable(),
});
export type TSecurityFacts = z.infer<typeof ZSecurityFactsSchema>;
