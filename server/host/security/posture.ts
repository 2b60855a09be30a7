import { z } from "zod";

import { stableKeyOf } from "~/server/accounting/identity";
import { ZNetworkModeSchema, type TInventory, type TNetworkMode, type TVif } from "~/server/host/inventory";
import type { TSecurityFacts } from "~/server/host/security-facts";
import {
  getXlString,
  listVifs,
  normalizeMac,
  parseVifSpec,
  parseXlConfig,
  validateXlConfigs,
  type TConfigVif,
  type TDiagnostic,
  type TParseConfigResult,
} from "~/server/xen";

import {
  isNotrackRule,
  listChainRules,
  normalizeIpv4Network,
  parseIptablesSave,
  readChainPolicy,
  type TIptablesRule,
  type TIptablesSave,
  type TIptablesValue,
} from "./iptables";

/**
 * The security posture of a Xen host, per host and per vif: pure, from the
 * facts the driver read (server/host/security-facts.ts), the inventory and the
 * domain config files. Every finding says why it matters and how to fix it;
 * host checks that pass are findings too (severity ok), so the UI can show a
 * checklist.
 *
 * What the checks rely on (the seed chapter, Xen's vif-bridge/vif-common.sh):
 * - bridge mode: vif-bridge's frob_iptable inserts, per address in ip=,
 *   `FORWARD -m physdev --physdev-is-bridged --physdev-in <vif> -s <addr> -j ACCEPT`,
 *   one for DHCP (`-p udp --sport 68 --dport 67`) and one
 *   `--physdev-out <vif> -j ACCEPT`; the FORWARD policy DROP does the rest.
 *   Bridged frames only reach iptables with bridge-nf-call-iptables = 1.
 * - route/nat mode: vif-route adds a host route per address and the same
 *   per-vif FORWARD rules (matched on the port or on `-i <vif>`); packets
 *   are routed, so bridge-nf-call-iptables does not matter.
 * - without ip= no rule can pin the guest to an address.
 */

export const ZSecuritySeveritySchema = z.enum(["critical", "warning", "info", "ok"]);
export type TSecuritySeverity = z.infer<typeof ZSecuritySeveritySchema>;

/** The check a finding belongs to, for grouping in the UI. */
export const ZSecurityCheckSchema = z.enum([
  "iptables",
  "forward-policy",
  "antispoof",
  "bridge-nf",
  "notrack",
  "conntrack",
  "netloop",
  "mac",
  "vifname",
  "vif-health",
  "stale-rules",
]);
export type TSecurityCheck = z.infer<typeof ZSecurityCheckSchema>;

export const FINDING_IDS = [
  "IPTABLES_UNREADABLE",
  "IPTABLES_LEGACY_TABLES",
  "FORWARD_POLICY_ACCEPT",
  "FORWARD_POLICY_DROP",
  "FORWARD_ACCEPT_BYPASS",
  "BRIDGE_NF_NOT_LOADED",
  "BRIDGE_NF_CALL_IPTABLES_OFF",
  "BRIDGE_NF_CALL_IPTABLES_ON",
  "ANTISPOOF_NO_RULES_AT_ALL",
  "ANTISPOOF_COMPLETE",
  "VIF_ANTISPOOF_MISSING",
  "VIF_NO_IP",
  "NOTRACK_MISSING",
  "NOTRACK_PRESENT",
  "CONNTRACK_NEARLY_FULL",
  "CONNTRACK_OK",
  "NETLOOP_LOOPBACKS_TOO_FEW",
  "NETLOOP_OK",
  "NETLOOP_NOT_IN_USE",
  "VIF_MAC_DUPLICATE",
  "CONFIG_MAC_DUPLICATE",
  "VIF_MAC_MULTICAST",
  "MACS_UNIQUE",
  "VIFNAME_OVER_8",
  "VIFNAME_OVER_15",
  "VIFNAME_EMU_OVER_15",
  "VIFNAMES_SHORT",
  "VIF_DOWN",
  "VIF_NOT_ON_BRIDGE",
  "VIF_HOST_ROUTE_MISSING",
  "VIFS_CONNECTED",
  "STALE_VIF_RULES",
] as const;
export const ZFindingIdSchema = z.enum(FINDING_IDS);
export type TFindingId = z.infer<typeof ZFindingIdSchema>;

export const ZFindingTargetSchema = z.strictObject({
  /** The host name (scope host), or the vif's stable name: its vifname, else `<domain>/<devid>`. */
  name: z.string().min(1),
  /** The dom0 interface (`vif7.0`, `web1`), null for the host or a vif only known from a config file. */
  kernelName: z.string().nullable(),
  /** The domain's config file, when known. */
  configFile: z.string().nullable(),
});
export type TFindingTarget = z.infer<typeof ZFindingTargetSchema>;

export const ZFindingSchema = z.strictObject({
  id: ZFindingIdSchema,
  check: ZSecurityCheckSchema,
  severity: ZSecuritySeveritySchema,
  scope: z.enum(["host", "vif"]),
  target: ZFindingTargetSchema,
  title: z.string().min(1),
  /** Why it matters, with the real consequence. */
  why: z.string().min(1),
  /** What to run or change; empty for a passed check. */
  fix: z.string(),
  /** The facts behind it: rule lines, numbers, config lines. */
  evidence: z.array(z.string()),
});
export type TFinding = z.infer<typeof ZFindingSchema>;

export const ZAntispoofStatusSchema = z.enum(["protected", "rule-missing", "impossible", "inert", "unknown"]);
export type TAntispoofStatus = z.infer<typeof ZAntispoofStatusSchema>;

export const ZVifPostureSchema = z.strictObject({
  name: z.string().min(1),
  kernelName: z.string().min(1),
  domain: z.string().min(1),
  devid: z.number().int().nonnegative(),
  kind: z.enum(["vif", "emu"]),
  /** The networking mode of this vif (its script), which decides what protects it. */
  mode: ZNetworkModeSchema,
  ips: z.array(z.string()),
  mac: z.string(),
  bridge: z.string().nullable(),
  operState: z.enum(["up", "down", "unknown"]),
  antispoof: ZAntispoofStatusSchema,
  antispoofReason: z.string(),
  /** The FORWARD rules that name this vif, as iptables-save prints them. */
  rules: z.array(z.string()),
  notrack: z.enum(["covered", "missing", "not-applicable", "unknown"]),
  hostRoute: z.enum(["present", "missing", "not-applicable", "unknown"]),
  /** The worst severity among this vif's findings, ok when it has none. */
  severity: ZSecuritySeveritySchema,
});
export type TVifPosture = z.infer<typeof ZVifPostureSchema>;

export const ZSecurityPostureSchema = z.strictObject({
  host: z.string().min(1),
  mode: ZNetworkModeSchema,
  /** Every finding, worst first; host checks that passed are there with severity ok. */
  findings: z.array(ZFindingSchema),
  vifs: z.array(ZVifPostureSchema),
  counts: z.strictObject({
    critical: z.number().int().nonnegative(),
    warning: z.number().int().nonnegative(),
    info: z.number().int().nonnegative(),
    ok: z.number().int().nonnegative(),
  }),
  /** Facts that could not be read, and why (the checks that needed them say "unknown"). */
  unavailable: z.array(z.string()),
});
export type TSecurityPosture = z.infer<typeof ZSecurityPostureSchema>;

export type TSecurityPostureInput = {
  facts: TSecurityFacts;
  inventory: TInventory;
  configs: { name: string; content: string }[];
};

const SEVERITY_ORDER: Record<TSecuritySeverity, number> = { critical: 0, warning: 1, info: 2, ok: 3 };
/** The dom0 side of every vif carries this MAC; it is never the guest's. */
const DOM0_SIDE_MAC = "fe:ff:ff:ff:ff:ff";
const CONNTRACK_NEARLY_FULL_RATIO = 0.8;
/**
 * A host finding about many vifs names the first ones and counts the rest: on a host with 8,000 vifs a
 * list of all of them helps nobody and weighs megabytes (the per-vif rows carry each vif's own state).
 */
const LISTED_IN_TEXT = 20;
const MAX_EVIDENCE = 50;

function listSome(items: readonly string[], max: number): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

function capEvidence(lines: string[]): string[] {
  return lines.length <= MAX_EVIDENCE ? lines : [...lines.slice(0, MAX_EVIDENCE), `… and ${lines.length - MAX_EVIDENCE} more`];
}
const PERSIST_IPTABLES = "then save the rules so they survive a reboot (Debian: apt-get install iptables-persistent; iptables-save > /etc/iptables/rules.v4)";

type TVifContext = {
  vif: TVif;
  name: string;
  mode: TNetworkMode;
  configFile: string | null;
  configVif: TConfigVif | null;
  ipv4: string[];
  target: TFindingTarget;
};

export function computeSecurityPosture(input: TSecurityPostureInput): TSecurityPosture {
  const { facts, inventory } = input;
  const hostName = inventory.host.hostname || "dom0";
  const hostTarget: TFindingTarget = { name: hostName, kernelName: null, configFile: null };
  const findings: TFinding[] = [];
  const unavailable: string[] = [];
  const add = (finding: Omit<TFinding, "evidence"> & { evidence?: string[] }) => findings.push({ evidence: [], ...finding });

  const save = facts.iptablesSave === null ? null : parseIptablesSave(facts.iptablesSave);
  if (facts.iptablesSave === null) unavailable.push(`iptables: ${facts.iptablesError ?? "not read"}`);
  if (facts.bridgeNfCallIptables === null && facts.bridgeNfCallIptablesError) unavailable.push(`bridge-nf-call-iptables: ${facts.bridgeNfCallIptablesError}`);
  if (facts.conntrack === null && facts.conntrackError) unavailable.push(`conntrack: ${facts.conntrackError}`);
  if (facts.routes === null && facts.routesError) unavailable.push(`routes: ${facts.routesError}`);

  // Config files: parsed once, by domain name.
  const parsedConfigs = input.configs.map((c) => ({ name: c.name, parsed: parseXlConfig(c.content, { source: c.name }) }));
  const parsedConfigByName = new Map(parsedConfigs.map((c) => [c.name, c]));
  const configByDomain = new Map<string, { name: string; parsed: TParseConfigResult }>();
  for (const c of parsedConfigs) {
    const domain = getXlString(c.parsed.config, "name");
    if (domain !== null && !configByDomain.has(domain)) configByDomain.set(domain, c);
  }
  const domainByName = new Map(inventory.domains.map((d) => [d.name, d]));
  const configFileOf = (domain: string): string | null => domainByName.get(domain)?.configFile ?? configByDomain.get(domain)?.name ?? null;

  const contexts: TVifContext[] = inventory.vifs.map((vif) => {
    const name = stableKeyOf(vif);
    const config = configByDomain.get(vif.domain) ?? null;
    const configVif = config ? (listVifs(config.parsed.config).find((v) => v.devid === vif.devid) ?? null) : null;
    const configFile = configFileOf(vif.domain);
    return {
      vif,
      name,
      mode: modeOfVif(vif, inventory.host.networkMode),
      configFile,
      configVif,
      ipv4: vif.ips.map(normalizeIpv4Network).filter((n): n is string => n !== null),
      target: { name, kernelName: vif.kernelName, configFile },
    };
  });
  const guestVifs = contexts.filter((c) => c.vif.kind === "vif");
  const runningVif = new Map(guestVifs.map((c) => [`${c.vif.domain}\0${c.vif.devid}`, c]));
  const bridgedContexts = contexts.filter((c) => c.mode === "bridge");
  const anyBridged = inventory.host.networkMode === "bridge" || bridgedContexts.length > 0;

  // --- iptables readable at all -------------------------------------------------------------
  if (save === null) {
    add({
      id: "IPTABLES_UNREADABLE",
      check: "iptables",
      severity: "warning",
      scope: "host",
      target: hostTarget,
      title: "The firewall could not be read",
      why: `iptables-save could not be run (${facts.iptablesError ?? "unknown reason"}), so the FORWARD policy, the antispoof rules and NOTRACK cannot be checked: treat them as missing until they can.`,
      fix: "Install iptables (apt-get install iptables) and run the vifdeck agent as root.",
    });
  } else if (save.legacyTablesPresent) {
    add({
      id: "IPTABLES_LEGACY_TABLES",
      check: "iptables",
      severity: "warning",
      scope: "host",
      target: hostTarget,
      title: "Rules also exist in the legacy iptables backend",
      why: "iptables-nft says legacy (x_tables) rules are loaded too. Both sets apply to every packet, but only the nft set was checked here: a legacy rule can accept what these checks consider dropped.",
      fix: "Look at them with iptables-legacy-save, move them into one backend (iptables-legacy-save | iptables-nft-restore), then flush the legacy tables.",
      evidence: save.warnings,
    });
  }

  // --- FORWARD policy ---------------------------------------------------------------------------
  const forwardPolicy = save === null ? null : (readChainPolicy(save, "filter", "FORWARD") ?? "ACCEPT");
  const filterLoaded = save !== null && save.tables.get("filter")?.chains.has("FORWARD") === true;
  if (save !== null) {
    if (forwardPolicy === "DROP") {
      add({
        id: "FORWARD_POLICY_DROP",
        check: "forward-policy",
        severity: "ok",
        scope: "host",
        target: hostTarget,
        title: "FORWARD policy is DROP",
        why: "Forwarded packets that no rule accepts are dropped, so the per-vif ACCEPT rules really restrict each guest to its own addresses.",
        fix: "",
        evidence: [":FORWARD DROP"],
      });
    } else {
      add({
        id: "FORWARD_POLICY_ACCEPT",
        check: "forward-policy",
        severity: "critical",
        scope: "host",
        target: hostTarget,
        title: filterLoaded ? `FORWARD policy is ${forwardPolicy ?? "ACCEPT"}` : "No filter table: nothing is filtered",
        why:
          "The antispoof rules only ACCEPT each guest's own addresses; they rely on the FORWARD policy to drop everything else (the chapter: \"your FORWARD chain should have a policy of DROP\"). " +
          `With ${forwardPolicy ?? "ACCEPT"}, a packet no rule matches is forwarded anyway: a rogue guest can send with any source address — another guest's, the gateway's — and the host passes it on.` +
          (filterLoaded ? "" : " iptables-save printed no filter table at all, so no rule is loaded."),
        fix: `First make sure every vif has its ACCEPT rules (see the per-vif findings), or guests lose their network; then: iptables -P FORWARD DROP — ${PERSIST_IPTABLES}.`,
        evidence: filterLoaded ? [`:FORWARD ${forwardPolicy ?? "ACCEPT"}`] : ["no *filter table in iptables-save"],
      });
    }
  }

  // --- bridge-nf-call-iptables --------------------------------------------------------------------
  const bridgeNfOn = facts.bridgeNfCallIptables === "1";
  if (anyBridged) {
    const persist =
      "To keep it: `net.bridge.bridge-nf-call-iptables = 1` in /etc/sysctl.d/90-xen-bridge.conf and `br_netfilter` in /etc/modules-load.d/br_netfilter.conf (the sysctl only exists once the module is loaded).";
    if (facts.bridgeNfCallIptables === null) {
      add({
        id: "BRIDGE_NF_NOT_LOADED",
        check: "bridge-nf",
        severity: "critical",
        scope: "host",
        target: hostTarget,
        title: "br_netfilter is not loaded: bridged traffic bypasses iptables",
        why: `Bridged guest frames are switched without ever passing through iptables, so the FORWARD policy and every antispoof rule are inert for vifs on bridges (${facts.bridgeNfCallIptablesError ?? "no /proc/sys/net/bridge"}).`,
        fix: `modprobe br_netfilter && echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables. ${persist}`,
      });
    } else if (!bridgeNfOn) {
      add({
        id: "BRIDGE_NF_CALL_IPTABLES_OFF",
        check: "bridge-nf",
        severity: "critical",
        scope: "host",
        target: hostTarget,
        title: "bridge-nf-call-iptables is 0: antispoof rules are inert",
        why: "Bridged frames are not sent through the FORWARD chain, so the antispoof rules and the DROP policy never see guest traffic: every bridged guest can spoof freely (the chapter's RHEL/CentOS note).",
        fix: `echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables (or sysctl -w net.bridge.bridge-nf-call-iptables=1). ${persist}`,
        evidence: ["/proc/sys/net/bridge/bridge-nf-call-iptables = 0"],
      });
    } else {
      add({
        id: "BRIDGE_NF_CALL_IPTABLES_ON",
        check: "bridge-nf",
        severity: "ok",
        scope: "host",
        target: hostTarget,
        title: "Bridged traffic passes through iptables",
        why: "bridge-nf-call-iptables is 1: the FORWARD rules apply to guests on bridges.",
        fix: "",
        evidence: ["/proc/sys/net/bridge/bridge-nf-call-iptables = 1"],
      });
    }
  }

  // --- antispoof per vif --------------------------------------------------------------------
  const forwardRules = save === null ? [] : flattenChain(save, "filter", "FORWARD");
  const forward = new RuleIndex(forwardRules);
  // The rules that can decide a spoofed packet's fate (see decideSpoofedPacket): verdicts whose only matches are
  // the packet's way in. The others (per-vif -s and --physdev-out rules, most of the chain) are always conditional.
  const decisive = new RuleIndex(
    forwardRules.filter((r) => VERDICTS.has(r.target ?? "") && isUnconditional(r, WAY_IN_MATCHES)),
  );
  const bypassRules = new Map<string, { rule: TIptablesRule; vifs: string[] }>();
  const vifRows: TVifPosture[] = [];
  const vifFindings = new Map<TVifContext, TFinding[]>();
  const addVif = (ctx: TVifContext, finding: Omit<TFinding, "evidence" | "scope" | "target"> & { evidence?: string[] }) => {
    const full: TFinding = { evidence: [], scope: "vif", target: ctx.target, ...finding };
    findings.push(full);
    const list = vifFindings.get(ctx) ?? [];
    list.push(full);
    vifFindings.set(ctx, list);
  };

  const antispoofOf = new Map<TVifContext, { status: TAntispoofStatus; reason: string; rules: string[] }>();
  for (const ctx of contexts) {
    const { vif, mode } = ctx;
    const named = forward.naming(vif.kernelName);
    const rules = named.map((r) => r.text);
    if (vif.ips.length === 0) {
      antispoofOf.set(ctx, { status: "impossible", reason: "no ip= on this vif: no rule can pin the guest to an address", rules });
      continue;
    }
    if (save === null) {
      antispoofOf.set(ctx, { status: "unknown", reason: "iptables could not be read", rules });
      continue;
    }
    if (ctx.ipv4.length === 0) {
      antispoofOf.set(ctx, { status: "unknown", reason: `ip= has no IPv4 address (${vif.ips.join(" ")}): ip6tables is not checked`, rules });
      continue;
    }
    const missing = ctx.ipv4.filter((addr) => !named.some((r) => isAntispoofRule(r, forward.sourceOf(r), vif.kernelName, addr, mode)));
    if (missing.length > 0) {
      const wrongMatch =
        mode === "bridge" && named.some((r) => r.inInterface?.value === vif.kernelName && r.target === "ACCEPT")
          ? ` A rule matches -i ${vif.kernelName}, which never sees bridged traffic (bridged packets enter FORWARD on the bridge): it must use -m physdev --physdev-in.`
          : mode !== "bridge" && named.some((r) => r.physdevIn?.value === vif.kernelName && r.target === "ACCEPT")
            ? ` A rule matches -m physdev --physdev-in ${vif.kernelName}, which never sees routed traffic: it must use -i ${vif.kernelName}.`
            : "";
      antispoofOf.set(ctx, { status: "rule-missing", reason: `no FORWARD rule accepts ${missing.join(", ")} from ${vif.kernelName}.${wrongMatch}`, rules });
      continue;
    }
    if (mode === "bridge" && !bridgeNfOn) {
      antispoofOf.set(ctx, { status: "inert", reason: "bridge-nf-call-iptables is off: bridged frames never reach the rules", rules });
      continue;
    }
    const fate = decideSpoofedPacket(decisive.candidates(vif.kernelName, mode === "bridge" ? vif.bridge : vif.kernelName), ctx, forwardPolicy ?? "ACCEPT");
    if (fate.verdict === "accept") {
      if (fate.rule) {
        const entry = bypassRules.get(fate.rule.text) ?? { rule: fate.rule, vifs: [] };
        entry.vifs.push(vif.kernelName);
        bypassRules.set(fate.rule.text, entry);
      }
      antispoofOf.set(ctx, {
        status: "inert",
        reason: fate.rule
          ? `rule "${fate.rule.text}" accepts its packets from any source before the policy applies`
          : `the FORWARD policy is ${forwardPolicy ?? "ACCEPT"}: packets from other addresses pass anyway`,
        rules,
      });
      continue;
    }
    antispoofOf.set(ctx, {
      status: "protected",
      reason: fate.rule ? `only ${ctx.ipv4.join(", ")} accepted; other sources dropped by "${fate.rule.text}"` : `only ${ctx.ipv4.join(", ")} accepted; the DROP policy takes the rest`,
      rules,
    });
  }

  for (const [text, { rule, vifs }] of bypassRules) {
    add({
      id: "FORWARD_ACCEPT_BYPASS",
      check: "forward-policy",
      severity: "critical",
      scope: "host",
      target: hostTarget,
      title: `A FORWARD rule accepts spoofed guest traffic`,
      why: `The rule "${text}" (chain ${rule.chain}) accepts forwarded packets whatever their source address, and it is reached before the DROP policy: spoofed packets from ${listSome(vifs, LISTED_IN_TEXT)} pass although their antispoof rules are in place.`,
      fix: `Delete it or narrow it (add -s/-m physdev matches): iptables -t ${rule.table} ${formatDeleteArgs(rule)} — ${PERSIST_IPTABLES}.`,
      evidence: [text],
    });
  }

  const withIp = contexts.filter((c) => c.vif.ips.length > 0 && c.ipv4.length > 0);
  const anyVifRule = contexts.some((c) => forward.naming(c.vif.kernelName).length > 0);
  if (save !== null && withIp.length > 0 && !anyVifRule) {
    add({
      id: "ANTISPOOF_NO_RULES_AT_ALL",
      check: "antispoof",
      severity: "warning",
      scope: "host",
      target: hostTarget,
      title: "The hotplug scripts installed no antispoof rule at all",
      why:
        "No FORWARD rule names any vif, although vifs have ip=. The hotplug scripts are not adding them: on Debian, handle_iptable in /etc/xen/scripts/vif-common.sh returns at once (Debian bug #894013), so vif-bridge and vif-route install nothing. " +
        "Rules added by hand are lost when a guest reboots (its vif is a new interface, often with a new name).",
      fix: "Install the per-vif rules from a hook that runs at every hotplug: a script in /etc/xen/scripts/vif-post.d/ named *.hook (vif-bridge calls them with $dev, $ip and $command set), inserting the rules shown in each vif's finding for online and deleting them for offline.",
    });
  }

  for (const ctx of contexts) {
    const { vif, mode } = ctx;
    const as = antispoofOf.get(ctx);
    if (!as) continue;
    const configHint = ctx.configFile ? `the vif line of ${ctx.configFile}${ctx.configVif ? ` (line ${ctx.configVif.line}, vif ${ctx.configVif.index})` : ""}` : `the vif line of ${vif.domain}'s config file`;
    if (as.status === "impossible") {
      const configHasIp = ctx.configVif !== null && ctx.configVif.effective.ips.length > 0;
      const restart = configHasIp
        ? `${ctx.configFile ?? "The config"} already has ip=${ctx.configVif?.effective.ips.join(" ") ?? ""} for this vif; the running vif was started without it: restart the domain (xl shutdown ${vif.domain}; xl create ${ctx.configFile ?? `${vif.domain}.cfg`}) or detach and re-attach the vif (xl network-detach ${vif.domain} ${vif.devid}; xl network-attach ${vif.domain} … ip=…).`
        : `Add ip=<the guest's address> to ${configHint}, e.g. vif = ['mac=${vif.mac},${mode === "bridge" ? `bridge=${vif.bridge ?? "xenbr0"},` : ""}ip=10.0.0.5'], then restart the domain (or detach and re-attach the vif with ip=).`;
      const why =
        mode === "route"
          ? "vif-route builds the guest's host route and its FORWARD rules from ip=: without it the guest is unreachable and nothing pins it to an address (the chapter's \"common gotcha\" of network-route)."
          : mode === "nat"
            ? "Without ip= vif-nat makes up an address from the domid and no rule pins the guest to it (and antispoofing is known not to work with network-nat anyway)."
            : "Without ip= vif-bridge can only allow everything from this vif: the guest may use any IP address — another guest's, the gateway's — and an IP conflict can take the network down.";
      if (vif.kind === "vif") {
        addVif(ctx, {
          id: "VIF_NO_IP",
          check: "antispoof",
          severity: mode === "route" ? "critical" : "warning",
          title: `${ctx.name} (${vif.kernelName}) has no ip=: no antispoofing possible`,
          why,
          fix: restart,
        });
      }
    } else if (as.status === "rule-missing") {
      const missing = ctx.ipv4.filter((addr) => !forward.naming(vif.kernelName).some((r) => isAntispoofRule(r, forward.sourceOf(r), vif.kernelName, addr, mode)));
      const port = mode === "bridge" ? `-m physdev --physdev-is-bridged --physdev-in ${vif.kernelName}` : `-i ${vif.kernelName}`;
      const commands = [
        ...missing.map((addr) => `iptables -I FORWARD ${port} -s ${addr} -j ACCEPT`),
        `iptables -I FORWARD ${port} -p udp --sport 68 --dport 67 -j ACCEPT`,
        mode === "bridge" ? `iptables -I FORWARD -m physdev --physdev-is-bridged --physdev-out ${vif.kernelName} -j ACCEPT` : `iptables -I FORWARD -o ${vif.kernelName} -j ACCEPT`,
      ];
      const consequence =
        forwardPolicy === "DROP"
          ? "With the DROP policy the guest's own traffic from that address is dropped too: it is probably cut off."
          : "Nothing restricts the source addresses it sends.";
      addVif(ctx, {
        id: "VIF_ANTISPOOF_MISSING",
        check: "antispoof",
        severity: mode === "nat" ? "warning" : "critical",
        title: `${ctx.name} (${vif.kernelName}) has ip= but no antispoof rule`,
        why: `The vif has ip=${vif.ips.join(" ")}, but ${as.reason} ${consequence} The ${mode === "bridge" ? "vif-bridge" : `vif-${mode}`} hotplug script did not install the rule, or it was removed.`,
        fix: `${commands.join("; ")} — these last until the vif goes away; for good, fix the hotplug script or add a vif-post.d hook.`,
        evidence: as.rules,
      });
    }
  }

  const antispoofGaps = contexts.filter((c) => {
    const s = antispoofOf.get(c)?.status;
    return s !== "protected";
  });
  if (contexts.length > 0 && antispoofGaps.length === 0) {
    add({
      id: "ANTISPOOF_COMPLETE",
      check: "antispoof",
      severity: "ok",
      scope: "host",
      target: hostTarget,
      title: "Every vif is pinned to its addresses",
      why: "Each vif has ip= and its ACCEPT rules, and everything else from it is dropped.",
      fix: "",
    });
  }

  // --- NOTRACK for bridged traffic ----------------------------------------------------------------
  const notrackRules = new RuleIndex(save === null ? [] : flattenChain(save, "raw", "PREROUTING").filter(isNotrackRule));
  const notrackApplies = anyBridged && bridgeNfOn && facts.conntrack !== null;
  const notrackOf = (ctx: TVifContext): TVifPosture["notrack"] => {
    if (ctx.mode !== "bridge" || !bridgeNfOn || facts.conntrack === null) return "not-applicable";
    if (save === null) return "unknown";
    return notrackRules.candidates(ctx.vif.kernelName, ctx.vif.bridge).some((r) => coversNotrack(r, ctx.vif)) ? "covered" : "missing";
  };
  if (notrackApplies && save !== null) {
    const uncovered = bridgedContexts.filter((c) => notrackOf(c) === "missing");
    const usage = facts.conntrack ? `${facts.conntrack.count} of ${facts.conntrack.max} entries in use now` : "";
    if (uncovered.length > 0) {
      add({
        id: "NOTRACK_MISSING",
        check: "notrack",
        severity: "warning",
        scope: "host",
        target: hostTarget,
        title: "Bridged guest traffic fills dom0's connection-tracking table",
        why:
          `With bridge-nf-call-iptables on, every connection of every bridged guest is also tracked by dom0 (${usage}). On a busy host the table fills up and the kernel then drops packets ("nf_conntrack: table full, dropping packet") — for dom0 and all guests. ` +
          "The chapter's remedy is a raw-table NOTRACK rule per vif: antispoofing keeps working, as it needs no connection state.",
        fix: `${uncovered
          .slice(0, 5)
          .map((c) => `iptables -t raw -I PREROUTING -m physdev --physdev-in ${c.vif.kernelName} -j CT --notrack`)
          .join("; ")}${uncovered.length > 5 ? "; … (one per bridged vif)" : ""} — add it where the vif's antispoof rules are added (a vif-post.d hook) so it follows the vif. Do not NOTRACK routed or NATed traffic: NAT needs conntrack.`,
        evidence: capEvidence(uncovered.map((c) => `no NOTRACK rule in raw PREROUTING for ${c.vif.kernelName}`)),
      });
    } else if (bridgedContexts.length > 0) {
      add({
        id: "NOTRACK_PRESENT",
        check: "notrack",
        severity: "ok",
        scope: "host",
        target: hostTarget,
        title: "Bridged guest traffic is not tracked",
        why: "A raw-table NOTRACK rule covers every bridged vif: guest connections cannot fill dom0's connection table.",
        fix: "",
        evidence: notrackRules.rules.map((r) => r.text),
      });
    }
  }

  // --- conntrack table ------------------------------------------------------------------------
  if (facts.conntrack !== null) {
    const { count, max } = facts.conntrack;
    const ratio = count / max;
    const percent = Math.round(ratio * 1000) / 10;
    if (ratio >= CONNTRACK_NEARLY_FULL_RATIO) {
      add({
        id: "CONNTRACK_NEARLY_FULL",
        check: "conntrack",
        severity: "warning",
        scope: "host",
        target: hostTarget,
        title: `The connection-tracking table is ${percent}% full`,
        why: `${count} of ${max} entries are used. When it is full the kernel drops packets that would open a new connection ("nf_conntrack: table full, dropping packet"), for dom0 and — with bridge-nf-call-iptables on — every bridged guest.`,
        fix: `Stop tracking bridged guest traffic (raw-table NOTRACK per vif, see the NOTRACK check); to gain room now: sysctl -w net.netfilter.nf_conntrack_max=${max * 2} and the same line (net.netfilter.nf_conntrack_max = ${max * 2}) in /etc/sysctl.d/90-conntrack.conf.`,
        evidence: [`nf_conntrack_count = ${count}`, `nf_conntrack_max = ${max}`],
      });
    } else {
      add({
        id: "CONNTRACK_OK",
        check: "conntrack",
        severity: "ok",
        scope: "host",
        target: hostTarget,
        title: `The connection-tracking table has room (${percent}% used)`,
        why: `${count} of ${max} entries are used.`,
        fix: "",
        evidence: [`nf_conntrack_count = ${count}`, `nf_conntrack_max = ${max}`],
      });
    }
  }

  // --- netloop --------------------------------------------------------------------------------
  if (facts.netloopLoopbacks === null) {
    add({
      id: "NETLOOP_NOT_IN_USE",
      check: "netloop",
      severity: "ok",
      scope: "host",
      target: hostTarget,
      title: "netloop is not in use",
      why: `${facts.netloopError ?? "The netloop module is not loaded"}: its nloopbacks limit does not apply.`,
      fix: "",
    });
  } else {
    const needed = countLoopbacksNeeded(inventory);
    const limit = facts.netloopLoopbacks;
    if (needed.count > limit) {
      add({
        id: "NETLOOP_LOOPBACKS_TOO_FEW",
        check: "netloop",
        severity: "critical",
        scope: "host",
        target: hostTarget,
        title: `netloop allows ${limit} loopback devices; this host needs ${needed.count}`,
        why: `netloop provides dom0's vif0.N/vethN pairs, one per bridge network-bridge sets up (vifnum=N needs N+1 of them); it allows nloopbacks=${limit} (8 by default). Past the limit network-bridge cannot create the next one and that bridge — with every guest on it — has no dom0 side ("Linux will complain as if you had more bridges than loopbacks").`,
        fix: `modprobe -r netloop && modprobe netloop nloopbacks=128 (with the networks stopped), and for good \`options netloop nloopbacks=128\` in /etc/modprobe.d/netloop.conf; if netloop is built into the dom0 kernel, append netloop.nloopbacks=128 to its command line in the boot loader.`,
        evidence: [`nloopbacks = ${limit}`, ...needed.evidence],
      });
    } else {
      add({
        id: "NETLOOP_OK",
        check: "netloop",
        severity: "ok",
        scope: "host",
        target: hostTarget,
        title: `netloop has enough loopback devices (${needed.count} of ${limit})`,
        why: "Every bridge network-bridge sets up can have its dom0 loopback pair.",
        fix: "",
        evidence: [`nloopbacks = ${limit}`, ...needed.evidence],
      });
    }
  }

  // --- MACs -------------------------------------------------------------------------------------
  let macProblems = 0;
  const byMac = new Map<string, TVifContext[]>();
  for (const ctx of guestVifs) {
    const mac = normalizeMac(ctx.vif.mac);
    if (mac === null || mac === DOM0_SIDE_MAC) continue;
    const list = byMac.get(mac) ?? [];
    list.push(ctx);
    byMac.set(mac, list);
  }
  for (const [mac, owners] of byMac) {
    if (owners.length < 2) continue;
    for (const ctx of owners) {
      macProblems++;
      const others = owners.filter((o) => o !== ctx).map((o) => `${o.name} (${o.vif.kernelName}, domain ${o.vif.domain})`);
      addVif(ctx, {
        id: "VIF_MAC_DUPLICATE",
        check: "mac",
        severity: "critical",
        title: `${ctx.name} shares its MAC ${mac} with ${others.length === 1 ? "another running vif" : `${others.length} running vifs`}`,
        why: `${others.join(", ")} use${others.length === 1 ? "s" : ""} the same guest MAC. Switches and the bridge learn the address on one port at a time, so frames go to the wrong guest and both lose connectivity — a MAC conflict takes the network down. xl does not refuse a duplicate MAC.`,
        fix: `Give one of them a new MAC (vifdeck's generator checks every MAC on the host and in the configs) in ${ctx.configFile ?? "its config file"}, then restart that domain or detach and re-attach the vif with the new mac=.`,
        evidence: owners.map((o) => `${o.vif.domain}/${o.vif.devid} ${o.vif.kernelName} ${mac}`),
      });
    }
  }
  for (const ctx of guestVifs) {
    const parsed = parseVifSpec(`mac=${ctx.vif.mac}`, { context: "config" });
    const multicast = parsed.diagnostics.find((d) => d.code === "VIF_MAC_MULTICAST");
    if (!multicast || ctx.vif.mac === "") continue;
    macProblems++;
    addVif(ctx, {
      id: "VIF_MAC_MULTICAST",
      check: "mac",
      severity: "critical",
      title: `${ctx.name} has a multicast MAC`,
      why: `${multicast.message} Frames sent to it are flooded to every port and the guest's own address cannot work.`,
      fix: `${multicast.hint} Change mac= in ${ctx.configFile ?? "the config file"} and restart the domain.`,
      evidence: [ctx.vif.mac],
    });
  }
  const macsInUse = guestVifs
    .filter((c) => c.vif.mac !== "" && normalizeMac(c.vif.mac) !== DOM0_SIDE_MAC)
    .map((c) => ({ mac: c.vif.mac, where: `${c.vif.domain}/${c.vif.devid} (${c.vif.kernelName})`, domain: c.vif.domain }));
  const validation = validateXlConfigs(
    parsedConfigs.map((c) => ({ name: c.name, parsed: c.parsed })),
    { bridges: inventory.bridges.map((b) => b.name), macsInUse, networkMode: inventory.host.networkMode },
  );
  const configMacDiagnostics = groupConfigDiagnostics(validation.diagnostics.filter((d) => d.code === "VIF_MAC_DUPLICATE"));
  for (const diagnostics of configMacDiagnostics.values()) {
    const first = diagnostics[0];
    if (!first) continue;
    const file = first.file === undefined ? undefined : parsedConfigByName.get(first.file);
    const configVif = file ? listVifs(file.parsed.config).find((v) => v.line === first.line && v.column === first.column) : undefined;
    const domain = file ? (getXlString(file.parsed.config, "name") ?? file.name) : (first.file ?? "config");
    const name = configVif?.effective.vifname ?? `${domain}/${configVif?.devid ?? "?"}`;
    const running = configVif ? runningVif.get(`${domain}\0${configVif.devid}`) : undefined;
    macProblems++;
    findings.push({
      id: "CONFIG_MAC_DUPLICATE",
      check: "mac",
      severity: "critical",
      scope: "vif",
      target: { name, kernelName: running?.vif.kernelName ?? null, configFile: first.file ?? null },
      title: `${first.file ?? "A config"} line ${first.line}: MAC ${configVif?.effective.mac ?? ""} is used elsewhere`,
      why: `${diagnostics.map((d) => d.message).join(" ")} xl starts the guest anyway; the conflict appears when both vifs are up.`,
      fix: `${first.hint} Change mac= on line ${first.line} of ${first.file ?? "the config"} (vifdeck's generator picks one that is free on the host and in every config), then restart the domain if it runs.`,
      evidence: diagnostics.map((d) => `${d.file ?? ""}:${d.line}:${d.column} ${d.code}`),
    });
  }
  if (macProblems === 0) {
    add({
      id: "MACS_UNIQUE",
      check: "mac",
      severity: "ok",
      scope: "host",
      target: hostTarget,
      title: "Every guest MAC is unique",
      why: `No two running vifs or config files share a MAC (${byMac.size} running guest MACs, ${validation.macs.length} in configs).`,
      fix: "",
    });
  }

  // --- vifnames -------------------------------------------------------------------------------
  let vifnameProblems = 0;
  const reportedVifnames = new Set<string>();
  const domainType = (name: string) => domainByName.get(name)?.type ?? null;
  const addVifnameFinding = (
    target: TFindingTarget,
    ctx: TVifContext | null,
    vifname: string,
    diagnostic: TDiagnostic,
    configFile: string | null,
  ) => {
    const where = configFile ? `the vif line of ${configFile}` : "the domain's config file";
    const base = {
      check: "vifname" as const,
      fix: `Set a shorter vifname (8 characters or fewer, e.g. vifname=${vifname.slice(0, 8)} if that is unique) in ${where}, then restart the domain.`,
      evidence: [`vifname=${vifname} (${Buffer.byteLength(vifname)} bytes)`],
    };
    let finding: Omit<TFinding, "scope" | "target">;
    if (diagnostic.code === "VIF_VIFNAME_TOO_LONG") {
      finding = {
        ...base,
        id: "VIFNAME_OVER_15",
        severity: "critical",
        title: `vifname ${vifname} is longer than 15 characters`,
        why: `${diagnostic.message}${ctx && ctx.vif.backendState === 4 ? " xl network-list still says connected (state 4)." : ""}`,
      };
    } else if (diagnostic.code === "VIF_VIFNAME_HVM_LONG") {
      finding = {
        ...base,
        id: "VIFNAME_EMU_OVER_15",
        severity: "critical",
        title: `vifname ${vifname} is too long for an HVM guest's -emu twin`,
        why: `${diagnostic.message} vif-common.sh renames the emulated NIC's tap to ${vifname}-emu; that rename fails and the guest's emulated NIC has no network.`,
        fix: `Use at most 11 characters in ${where} (8 or fewer is safest), then restart the domain.`,
      };
    } else {
      finding = {
        ...base,
        id: "VIFNAME_OVER_8",
        severity: "warning",
        title: `vifname ${vifname} is longer than 8 characters`,
        why: `${diagnostic.message} The chapter: "15-character vifnames cause problems with some versions of iptables. Keep your vifnames to 8 characters to be safe" — an antispoof rule that iptables mishandles does not protect the guest.`,
      };
    }
    vifnameProblems++;
    const full: TFinding = { ...finding, scope: "vif", target };
    findings.push(full);
    if (ctx) {
      const list = vifFindings.get(ctx) ?? [];
      list.push(full);
      vifFindings.set(ctx, list);
    }
  };
  for (const ctx of guestVifs) {
    const vifname = ctx.vif.vifname;
    if (vifname === null) continue;
    const type = domainType(ctx.vif.domain);
    const parsed = parseVifSpec(`vifname=${vifname}`, { context: "config", ...(type ? { guestType: type } : {}) });
    const diagnostic = parsed.diagnostics.find((d) => VIFNAME_CODES.has(d.code));
    reportedVifnames.add(`${ctx.vif.domain}\0${ctx.vif.devid}\0${vifname}`);
    if (diagnostic) addVifnameFinding(ctx.target, ctx, vifname, diagnostic, ctx.configFile);
  }
  for (const file of parsedConfigs) {
    const domain = getXlString(file.parsed.config, "name") ?? file.name;
    for (const configVif of listVifs(file.parsed.config)) {
      const vifname = configVif.effective.vifname;
      if (vifname === null || reportedVifnames.has(`${domain}\0${configVif.devid}\0${vifname}`)) continue;
      const diagnostic = configVif.diagnostics.find((d) => VIFNAME_CODES.has(d.code));
      if (!diagnostic) continue;
      const running = runningVif.get(`${domain}\0${configVif.devid}`);
      addVifnameFinding({ name: vifname, kernelName: running?.vif.kernelName ?? null, configFile: file.name }, running ?? null, vifname, diagnostic, file.name);
    }
  }
  if (vifnameProblems === 0) {
    add({
      id: "VIFNAMES_SHORT",
      check: "vifname",
      severity: "ok",
      scope: "host",
      target: hostTarget,
      title: "Every vifname has 8 characters or fewer",
      why: "Interface names this short are handled by every iptables version.",
      fix: "",
    });
  }

  // --- vif health: down, on no bridge, no host route -------------------------------------------
  let healthProblems = 0;
  const bridgePorts = new Set(inventory.bridges.flatMap((b) => b.ports.map((p) => p.name)));
  // Each route's destination, normalised once, by device: a routed host has a route per guest address.
  const routedTo = new Map<string, Set<string | null>>();
  for (const route of facts.routes ?? []) {
    if (route.dev === null) continue;
    const set = routedTo.get(route.dev) ?? new Set<string | null>();
    set.add(normalizeIpv4Network(route.dst));
    routedTo.set(route.dev, set);
  }
  const hasHostRoute = (dev: string, addr: string) => routedTo.get(dev)?.has(addr) ?? false;
  const hostRouteOf = (ctx: TVifContext): TVifPosture["hostRoute"] => {
    if (ctx.mode === "bridge" || ctx.vif.kind !== "vif" || ctx.ipv4.length === 0) return "not-applicable";
    if (facts.routes === null) return "unknown";
    return ctx.ipv4.every((addr) => hasHostRoute(ctx.vif.kernelName, addr)) ? "present" : "missing";
  };
  for (const ctx of guestVifs) {
    const { vif } = ctx;
    const state = vif.backendState === 4 ? "xl network-list still says connected (state 4)" : `its backend state is ${vif.backendState ?? "unknown"}`;
    const logHint = `Read the hotplug error in /var/log/xen/xl-${vif.domain}.log (lines with "device_hotplug_child_death_cb: script:")`;
    const configBridge = ctx.configVif?.effective.bridge ?? null;
    if (vif.operState === "down") {
      healthProblems++;
      addVif(ctx, {
        id: "VIF_DOWN",
        check: "vif-health",
        severity: "critical",
        title: `${ctx.name} (${vif.kernelName}) is down`,
        why: `The interface exists but is DOWN: the guest has no network through it, yet ${state} — xl reports the backend, not whether the hotplug script finished. A failed hotplug (bridge not found, vifname taken or too long) looks exactly like this.`,
        fix: `${logHint}; fix the cause, then xl network-detach ${vif.domain} ${vif.devid} and attach it again with xl network-attach (or, for a quick repair: ip link set ${vif.kernelName} up${ctx.mode === "bridge" ? ` master ${vif.bridge ?? configBridge ?? "xenbr0"}` : ""}).`,
        evidence: [`${vif.kernelName}: operstate down, backend state ${vif.backendState ?? "unknown"}`],
      });
    }
    if (ctx.mode === "bridge" && (vif.bridge === null || !bridgePorts.has(vif.kernelName))) {
      healthProblems++;
      const bridge = configBridge ?? "xenbr0";
      addVif(ctx, {
        id: "VIF_NOT_ON_BRIDGE",
        check: "vif-health",
        severity: "critical",
        title: `${ctx.name} (${vif.kernelName}) is on no bridge`,
        why: `In bridged networking a vif that is no bridge's port carries nothing: the guest is cut off, yet ${state}. This is what a failed vif-bridge run leaves behind (e.g. "Could not find bridge device ${bridge}").`,
        fix: `${logHint}; make sure bridge ${bridge} exists (ip link show ${bridge}), then xl network-detach ${vif.domain} ${vif.devid} and attach again — or ip link set ${vif.kernelName} master ${bridge} up.`,
        evidence: [`${vif.kernelName}: no master bridge${configBridge ? `; config says bridge=${configBridge}` : ""}`],
      });
    }
    if (hostRouteOf(ctx) === "missing" && facts.routes !== null) {
      healthProblems++;
      const missing = ctx.ipv4.filter((addr) => !hasHostRoute(vif.kernelName, addr));
      addVif(ctx, {
        id: "VIF_HOST_ROUTE_MISSING",
        check: "vif-health",
        severity: "critical",
        title: `${ctx.name} (${vif.kernelName}) has no host route for ${missing.join(", ")}`,
        why: `vif-${ctx.mode} adds a host route per guest address (ip route add <addr> dev ${vif.kernelName} src <dom0's address>); without it dom0 does not know the guest is behind ${vif.kernelName} and replies never reach it, yet ${state}.`,
        fix: `${missing.map((addr) => `ip route add ${addr.replace(/\/32$/, "")} dev ${vif.kernelName}`).join("; ")} — or detach and re-attach the vif so vif-${ctx.mode} runs again.`,
        evidence: missing.map((addr) => `no route ${addr} dev ${vif.kernelName}`),
      });
    }
  }
  if (healthProblems === 0 && guestVifs.length > 0) {
    add({
      id: "VIFS_CONNECTED",
      check: "vif-health",
      severity: "ok",
      scope: "host",
      target: hostTarget,
      title: "Every vif is up and connected",
      why: inventory.host.networkMode === "bridge" ? "Every vif is up and a port of its bridge." : "Every vif is up and has its host routes.",
      fix: "",
    });
  }

  // --- rules left behind by vifs that are gone ----------------------------------------------------
  if (save !== null) {
    const known = new Set([
      ...inventory.vifs.map((v) => v.kernelName),
      ...inventory.bridges.flatMap((b) => [b.name, ...b.ports.map((p) => p.name)]),
      ...inventory.nics.map((n) => n.name),
    ]);
    const stale = [...flattenChain(save, "filter", "FORWARD"), ...flattenChain(save, "raw", "PREROUTING")].filter((r) =>
      [r.physdevIn, r.physdevOut, r.inInterface, r.outInterface].some(
        (v) => v !== null && !v.value.endsWith("+") && /^vif\d+\.\d+(-emu)?$/.test(v.value) && !known.has(v.value),
      ),
    );
    if (stale.length > 0) {
      add({
        id: "STALE_VIF_RULES",
        check: "stale-rules",
        severity: "info",
        scope: "host",
        target: hostTarget,
        title: `${stale.length} rule${stale.length === 1 ? "" : "s"} name vifs that no longer exist`,
        why: "A vif's rules should go with it (vif-bridge deletes them when the vif goes offline). Leftovers mean a hotplug script did not finish; an ACCEPT rule for a name like vif5.0 applies again to whatever vif gets that name later.",
        fix: `${stale
          .slice(0, LISTED_IN_TEXT)
          .map((r) => `iptables -t ${r.table} ${formatDeleteArgs(r)}`)
          .join("; ")}${stale.length > LISTED_IN_TEXT ? `; … (${stale.length - LISTED_IN_TEXT} more: one -D per rule shown in iptables-save)` : ""}`,
        evidence: capEvidence(stale.map((r) => r.text)),
      });
    }
  }

  // --- per-vif rows ---------------------------------------------------------------------------
  for (const ctx of contexts) {
    const as = antispoofOf.get(ctx) ?? { status: "unknown" as const, reason: "", rules: [] };
    const own = vifFindings.get(ctx) ?? [];
    const worst = own.reduce<TSecuritySeverity>((w, f) => (SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[w] ? f.severity : w), "ok");
    vifRows.push({
      name: ctx.name,
      kernelName: ctx.vif.kernelName,
      domain: ctx.vif.domain,
      devid: ctx.vif.devid,
      kind: ctx.vif.kind,
      mode: ctx.mode,
      ips: ctx.vif.ips,
      mac: ctx.vif.mac,
      bridge: ctx.vif.bridge,
      operState: ctx.vif.operState,
      antispoof: as.status,
      antispoofReason: as.reason,
      rules: as.rules,
      notrack: notrackOf(ctx),
      hostRoute: hostRouteOf(ctx),
      severity: worst,
    });
  }

  const sorted = findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
  const counts = { critical: 0, warning: 0, info: 0, ok: 0 };
  for (const f of sorted) counts[f.severity]++;
  return { host: hostName, mode: inventory.host.networkMode, findings: sorted, vifs: vifRows, counts, unavailable };
}

const VIFNAME_CODES = new Set<string>(["VIF_VIFNAME_TOO_LONG", "VIF_VIFNAME_HVM_LONG", "VIF_VIFNAME_LONG"]);

/** The networking mode a vif's own script gives it (a host may mix), else the host's. */
export function determineVifMode(vif: Pick<TVif, "script">, hostMode: TNetworkMode): TNetworkMode {
  return modeOfVif(vif, hostMode);
}

function modeOfVif(vif: Pick<TVif, "script">, hostMode: TNetworkMode): TNetworkMode {
  const script = vif.script.slice(vif.script.lastIndexOf("/") + 1);
  if (/route/.test(script)) return "route";
  if (/nat/.test(script)) return "nat";
  if (/bridge/.test(script)) return "bridge";
  return hostMode;
}

/**
 * A chain's rules in evaluation order, with jumps to user chains expanded in
 * place (depth-limited; a chain is not entered twice on one path). Rules after
 * an unconditional RETURN in a user chain are left out.
 */
function flattenChain(save: TIptablesSave, table: string, chain: string, depth = 0, path: readonly string[] = []): TIptablesRule[] {
  const out: TIptablesRule[] = [];
  for (const rule of listChainRules(save, table, chain)) {
    out.push(rule);
    const target = rule.target;
    if (target !== null && save.tables.get(table)?.chains.has(target) && depth < 8 && !path.includes(target)) {
      out.push(...flattenChain(save, table, target, depth + 1, [...path, chain]));
    }
    if (depth > 0 && rule.target === "RETURN" && isUnconditional(rule, [])) break;
  }
  return out;
}

function matchesInterface(pattern: TIptablesValue | null, name: string): boolean {
  if (pattern === null) return false;
  const hit = pattern.value.endsWith("+") ? name.startsWith(pattern.value.slice(0, -1)) : pattern.value === name;
  return hit !== pattern.negated;
}

/** A positive match on one interface by its exact name (no `!`, no `+` wildcard): the only interface such a match admits. */
const exactName = (pattern: TIptablesValue | null): string | null =>
  pattern === null || pattern.negated || pattern.value.endsWith("+") ? null : pattern.value;

/**
 * A chain's rules looked up by interface. The hotplug scripts add rules per
 * vif, so a host with 8,000 vifs has tens of thousands of them: each vif's
 * checks read the rules that can concern it, in chain order, not all of them.
 */
class RuleIndex {
  readonly rules: readonly TIptablesRule[];
  private readonly position = new Map<TIptablesRule, number>();
  /** Rules naming an interface exactly and positively in physdev-in/out or -i/-o. */
  private readonly byNamed = new Map<string, TIptablesRule[]>();
  /** Rules that only match packets in on one port (physdev-in) or one input interface (-i), by that name. */
  private readonly byPort = new Map<string, TIptablesRule[]>();
  private readonly byInput = new Map<string, TIptablesRule[]>();
  /** Rules bound to no single input: they may apply to any vif. */
  private readonly unbound: TIptablesRule[] = [];
  private readonly sources = new Map<TIptablesRule, string | null>();

  constructor(rules: readonly TIptablesRule[]) {
    this.rules = rules;
    const push = (map: Map<string, TIptablesRule[]>, key: string, rule: TIptablesRule) => {
      const list = map.get(key);
      if (list) list.push(rule);
      else map.set(key, [rule]);
    };
    rules.forEach((rule, i) => {
      this.position.set(rule, i);
      const names = new Set([rule.physdevIn, rule.physdevOut, rule.inInterface, rule.outInterface].map(exactName));
      for (const name of names) if (name !== null) push(this.byNamed, name, rule);
      const port = exactName(rule.physdevIn);
      const input = exactName(rule.inInterface);
      if (port !== null) push(this.byPort, port, rule);
      else if (input !== null) push(this.byInput, input, rule);
      else this.unbound.push(rule);
    });
  }

  /** The rules naming the interface (not by a wildcard), in chain order. */
  naming(name: string): readonly TIptablesRule[] {
    return this.byNamed.get(name) ?? [];
  }

  /**
   * Every rule that may match packets coming in on `port` (a bridge port or vif) that enter the chain on `input`,
   * in chain order: a superset; the caller still checks each rule's matches.
   */
  candidates(port: string, input: string | null): TIptablesRule[] {
    const own = this.byPort.get(port) ?? [];
    const viaInput = input === null ? [] : (this.byInput.get(input) ?? []);
    if (own.length === 0 && viaInput.length === 0) return this.unbound;
    return [...this.unbound, ...own, ...viaInput].sort((a, b) => (this.position.get(a) as number) - (this.position.get(b) as number));
  }

  /** The rule's -s as a normalised IPv4 network, parsed once per rule. */
  sourceOf(rule: TIptablesRule): string | null {
    let source = this.sources.get(rule);
    if (source === undefined) {
      source = rule.source === null ? null : normalizeIpv4Network(rule.source.value);
      this.sources.set(rule, source);
    }
    return source;
  }
}

/** The per-address ACCEPT rule vif-bridge / vif-route insert for this vif. */
function isAntispoofRule(rule: TIptablesRule, source: string | null, kernelName: string, addr: string, mode: TNetworkMode): boolean {
  if (rule.target !== "ACCEPT" || rule.source === null || rule.source.negated) return false;
  if (source !== addr) return false;
  // Bridged packets are matched on their bridge port; routed ones never are (physdev only sees bridged traffic).
  if (mode === "bridge") return rule.physdevIn !== null && !rule.physdevIn.negated && rule.physdevIn.value === kernelName;
  return rule.inInterface !== null && !rule.inInterface.negated && rule.inInterface.value === kernelName;
}

const VERDICTS = new Set(["ACCEPT", "DROP", "REJECT"]);
/** The matches on a packet's way into FORWARD, the only ones decideSpoofedPacket can tell for a vif's packets. */
const WAY_IN_MATCHES = [
  { module: "physdev", option: "physdev-in" },
  { module: "physdev", option: "physdev-is-bridged" },
  { module: null, option: "i" },
] as const;

/** Matches that do not restrict which packets a rule applies to. */
const NEUTRAL_MODULES = new Set(["comment"]);

function isUnconditional(rule: TIptablesRule, ignoring: ReadonlyArray<{ module: string | null; option: string }>): boolean {
  return rule.matches.every(
    (m) => (m.module !== null && NEUTRAL_MODULES.has(m.module)) || ignoring.some((x) => x.module === m.module && x.option === m.option),
  );
}

/**
 * What happens to a packet this vif sends with a source address that is not
 * its own (not DHCP, not part of a tracked connection): the first rule in
 * FORWARD order that surely applies to it decides; else the policy.
 */
function decideSpoofedPacket(
  rules: readonly TIptablesRule[],
  ctx: TVifContext,
  policy: string,
): { verdict: "accept" | "drop"; rule: TIptablesRule | null } {
  const { vif, mode } = ctx;
  for (const rule of rules) {
    if (rule.target !== "ACCEPT" && rule.target !== "DROP" && rule.target !== "REJECT") continue;
    // Which port conditions apply to this vif's packets; anything else makes the rule conditional.
    const ignoring: { module: string | null; option: string }[] = [];
    if (rule.physdevIn !== null) {
      if (!matchesInterface(rule.physdevIn, vif.kernelName) || mode !== "bridge") continue;
      ignoring.push({ module: "physdev", option: "physdev-in" });
    }
    if (rule.physdevIsBridged !== null) {
      if (rule.physdevIsBridged !== (mode === "bridge")) continue;
      ignoring.push({ module: "physdev", option: "physdev-is-bridged" });
    }
    if (rule.inInterface !== null) {
      // Bridged packets enter FORWARD on the bridge; routed ones on the vif itself.
      const inName = mode === "bridge" ? vif.bridge : vif.kernelName;
      if (inName === null || !matchesInterface(rule.inInterface, inName)) continue;
      ignoring.push({ module: null, option: "i" });
    }
    if (!isUnconditional(rule, ignoring)) continue;
    return { verdict: rule.target === "ACCEPT" ? "accept" : "drop", rule };
  }
  return { verdict: policy === "DROP" ? "drop" : "accept", rule: null };
}

/** Whether a raw-table NOTRACK rule applies to the packets a bridged vif sends. */
function coversNotrack(rule: TIptablesRule, vif: TVif): boolean {
  if (rule.physdevIn !== null) return matchesInterface(rule.physdevIn, vif.kernelName);
  if (rule.inInterface !== null) return vif.bridge !== null && matchesInterface(rule.inInterface, vif.bridge);
  const isIn = rule.matches.find((m) => m.module === "physdev" && m.option === "physdev-is-in");
  if (isIn) return !isIn.negated;
  return rule.source === null && rule.destination === null && rule.protocol === null;
}

/** `-D <chain> <rule spec>` for the rule, quoted for a shell prompt. */
function formatDeleteArgs(rule: TIptablesRule): string {
  const args = ["-D", rule.chain, ...rule.tokens].map((a) => (/^[\w@%+=:,./!-]+$/.test(a) ? a : `"${a.replace(/["\\]/g, "\\$&")}"`));
  return args.join(" ");
}

/** dom0 loopback pairs netloop must provide: one per bridge (vif0.N for vifnum=N). */
function countLoopbacksNeeded(inventory: TInventory): { count: number; evidence: string[] } {
  const dom0Names = new Set<string>();
  for (const bridge of inventory.bridges) for (const port of bridge.ports) if (port.kind === "dom0") dom0Names.add(port.name);
  for (const nic of inventory.nics) if (/^vif0\.\d+$/.test(nic.name)) dom0Names.add(nic.name);
  let highest = -1;
  for (const name of dom0Names) {
    const m = /^vif0\.(\d+)$/.exec(name);
    if (m?.[1]) highest = Math.max(highest, Number(m[1]));
  }
  const bridges = inventory.host.networkMode === "bridge" ? inventory.bridges.length : 0;
  const count = Math.max(highest + 1, dom0Names.size, bridges);
  return {
    count,
    evidence: [
      `${bridges} bridge${bridges === 1 ? "" : "s"}`,
      `dom0 loopback ports: ${[...dom0Names].sort().join(", ") || "none"}`,
      `${inventory.vifs.filter((v) => v.kind === "vif").length} guest vifs (netback devices, not netloop's)`,
    ],
  };
}

function groupConfigDiagnostics(diagnostics: readonly TDiagnostic[]): Map<string, TDiagnostic[]> {
  const out = new Map<string, TDiagnostic[]>();
  for (const d of diagnostics) {
    const key = `${d.file ?? ""}:${d.line}:${d.column}`;
    const list = out.get(key) ?? [];
    if (!list.some((x) => x.message === d.message)) list.push(d);
    out.set(key, list);
  }
  return out;
}
