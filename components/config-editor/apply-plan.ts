import type { TAttachVif } from "~/server/agent/protocol";
import "~/components/vif/zod-client";
import { formatNetworkAttachArgv, normalizeMac, parseXlConfig, removeVifEntry, type TConfigVif, type TVifEntry } from "~/server/xen";

/**
 * "Apply now": the difference between the vif list as the file was and as it
 * will be, turned into attach and detach calls on the running domain. A vif
 * whose spec is unchanged is left alone; a changed one is detached and attached
 * again (xl cannot change a vif in place).
 *
 * The agent refuses to attach a MAC that any config file already holds, the
 * domain's own included; so the file is saved in two steps around the host
 * changes: first without the added vifs (this write also detects a
 * conflict before anything runs on the host), then, after the detaches and
 * attaches, as edited.
 */

export type TRunningVifRef = { devid: number; mac: string; kernelName: string };

export type TPlanStep =
  | { kind: "detach"; devid: number; kernelName: string; spec: string; argv: string[] }
  | { kind: "attach"; spec: string; vif: TAttachVif; argv: string[]; notes: string[] }
  | { kind: "skip"; spec: string; reason: string };

/** The keys `xl network-attach` takes that the agent's attach accepts. */
const LIVE_KEYS = new Set(["mac", "bridge", "ip", "vifname", "rate", "script", "model", "mtu"]);

function toAttachVif(vif: TConfigVif): { vif: TAttachVif; entries: TVifEntry[]; unsupported: string[] } {
  const e = vif.effective;
  const unsupported = [...new Set(vif.entries.map((x) => x.key).filter((k) => !LIVE_KEYS.has(k)))];
  const attach: TAttachVif = {
    ...(e.mac ? { mac: e.mac } : {}),
    ...(e.bridge ? { bridge: e.bridge } : {}),
    ...(e.ips.length > 0 ? { ip: e.ips } : {}),
    ...(e.vifname ? { vifname: e.vifname } : {}),
    ...(e.rateText ? { rate: e.rateText } : {}),
    ...(e.script ? { script: e.script } : {}),
    ...(e.model ? { model: e.model } : {}),
    ...(e.mtu !== null ? { mtu: e.mtu } : {}),
  };
  const entries: TVifEntry[] = [];
  if (attach.mac) entries.push({ key: "mac", value: attach.mac });
  if (attach.bridge) entries.push({ key: "bridge", value: attach.bridge });
  if (attach.ip) entries.push({ key: "ip", value: attach.ip.join(" ") });
  if (attach.vifname) entries.push({ key: "vifname", value: attach.vifname });
  if (attach.model) entries.push({ key: "model", value: attach.model });
  if (attach.script) entries.push({ key: "script", value: attach.script });
  if (attach.rate) entries.push({ key: "rate", value: attach.rate });
  if (attach.mtu !== undefined) entries.push({ key: "mtu", value: String(attach.mtu) });
  return { vif: attach, entries, unsupported };
}

export type TApplyPlan = {
  steps: TPlanStep[];
  /** The edited file without the vifs to attach: saved first, or null when nothing is attached (one write). */
  intermediate: string | null;
};

export function planApplyNow(input: { domain: string; before: string; after: string; running: readonly TRunningVifRef[] }): TApplyPlan {
  const before = parseXlConfig(input.before).config.vifList.vifs;
  const afterConfig = parseXlConfig(input.after).config;
  const after = afterConfig.vifList.vifs;
  const unmatched = [...after];
  const removed: TConfigVif[] = [];
  for (const vif of before) {
    const i = unmatched.findIndex((a) => a.spec === vif.spec);
    if (i >= 0) unmatched.splice(i, 1);
    else removed.push(vif);
  }
  const steps: TPlanStep[] = [];
  const usedDevids = new Set<number>();
  for (const vif of removed) {
    const mac = vif.effective.mac ? normalizeMac(vif.effective.mac) : null;
    const running =
      input.running.find((r) => mac !== null && normalizeMac(r.mac) === mac) ??
      (mac === null ? input.running.find((r) => r.devid === vif.devid && !usedDevids.has(r.devid)) : undefined);
    if (!running) {
      steps.push({ kind: "skip", spec: vif.spec, reason: "removed from the file, and no running vif has its MAC: nothing to detach" });
      continue;
    }
    usedDevids.add(running.devid);
    steps.push({ kind: "detach", devid: running.devid, kernelName: running.kernelName, spec: vif.spec, argv: ["xl", "network-detach", input.domain, String(running.devid)] });
  }
  for (const vif of unmatched) {
    const { vif: attach, entries, unsupported } = toAttachVif(vif);
    if (unsupported.length > 0) {
      steps.push({ kind: "skip", spec: vif.spec, reason: `cannot be attached live (${unsupported.join(", ")}): it applies at the next start` });
      continue;
    }
    const argv = formatNetworkAttachArgv(input.domain, entries);
    const notes: string[] = [];
    if (!attach.mac) notes.push("no mac= in the file: the running vif gets a generated MAC, and the next start another random one");
    steps.push({ kind: "attach", spec: vif.spec, vif: attach, argv: ["xl", ...argv.argv], notes });
  }
  const attachedIndexes = unmatched
    .filter((vif) => steps.some((s) => s.kind === "attach" && s.spec === vif.spec))
    .map((vif) => vif.index)
    .sort((a, b) => b - a);
  let intermediate: string | null = null;
  if (attachedIndexes.length > 0) {
    let config = afterConfig;
    for (const index of attachedIndexes) config = removeVifEntry(config, index).config;
    intermediate = config.text;
  }
  return { steps, intermediate };
}
