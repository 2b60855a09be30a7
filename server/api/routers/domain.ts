import { TRPCError } from "@trpc/server";
import { z } from "zod";

import { stableKeyOf } from "~/server/accounting/identity";
import { ZDomainRefSchema } from "~/server/agent/protocol";
import { readInventory } from "~/server/api/routers/vif";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";
import { ZDomainStateSchema, ZDomainTypeSchema, type TNetworkMode, type TVif as TRunningVif } from "~/server/host/inventory";
import { DEFAULT_BRIDGE, formatRate, normalizeMac, parseXlConfig, type TConfigVif } from "~/server/xen";

/**
 * Domains: the running guests and the config files of stopped ones; one
 * domain's vifs as running and as configured, side by side, with the drift
 * between them (a vif attached at runtime and not in the file, one in the file
 * that is not running, values that differ).
 */

const ZDomainListRowSchema = z.strictObject({
  name: z.string(),
  /** null for a domain that is only a config file (not running). */
  domid: z.number().int().nullable(),
  state: z.union([ZDomainStateSchema, z.literal("stopped")]),
  type: ZDomainTypeSchema.nullable(),
  memoryMiB: z.number().int().nullable(),
  vcpus: z.number().int().nullable(),
  configFile: z.string().nullable(),
  vifCount: z.number().int(),
});
export type TDomainListRow = z.infer<typeof ZDomainListRowSchema>;

const ZRunningVifSchema = z.strictObject({
  devid: z.number().int(),
  kernelName: z.string(),
  key: z.string(),
  mac: z.string(),
  ips: z.array(z.string()),
  bridge: z.string().nullable(),
  vifname: z.string().nullable(),
  rateLimit: z.string().nullable(),
  script: z.string(),
  state: z.enum(["up", "down", "unknown"]),
  hasEmuTwin: z.boolean(),
});
export type TRunningVifRow = z.infer<typeof ZRunningVifSchema>;

const ZConfiguredVifSchema = z.strictObject({
  index: z.number().int(),
  devid: z.number().int(),
  line: z.number().int(),
  spec: z.string(),
  mac: z.string().nullable(),
  ips: z.array(z.string()),
  bridge: z.string().nullable(),
  vifname: z.string().nullable(),
  rateLimit: z.string().nullable(),
  script: z.string().nullable(),
  /** xl stops on this vif (bad rate, mtu or devid). */
  fatal: z.boolean(),
  problems: z.array(z.string()),
});
export type TConfiguredVifRow = z.infer<typeof ZConfiguredVifSchema>;

export const ZDriftFieldSchema = z.enum(["mac", "bridge", "ip", "vifname", "rate"]);

const ZVifPairSchema = z.strictObject({
  status: z.enum(["same", "differs", "running-only", "config-only"]),
  running: z.number().int().nullable(),
  configured: z.number().int().nullable(),
  matchedBy: z.enum(["mac", "devid"]).nullable(),
  differences: z.array(z.strictObject({ field: ZDriftFieldSchema, running: z.string(), configured: z.string() })),
});
export type TVifPair = z.infer<typeof ZVifPairSchema>;

const ZDomainDetailSchema = z.strictObject({
  name: z.string(),
  networkMode: z.enum(["bridge", "route", "nat"]),
  bridges: z.array(z.string()),
  running: z
    .strictObject({
      domid: z.number().int(),
      state: ZDomainStateSchema,
      type: ZDomainTypeSchema,
      memoryMiB: z.number().int(),
      vcpus: z.number().int(),
    })
    .nullable(),
  configFile: z.string().nullable(),
  /** Why the config file could not be read or parsed, when it could not. */
  configProblem: z.string().nullable(),
  runningVifs: z.array(ZRunningVifSchema),
  configuredVifs: z.array(ZConfiguredVifSchema),
  pairs: z.array(ZVifPairSchema),
});
export type TDomainDetail = z.infer<typeof ZDomainDetailSchema>;

function formatRateLimit(rate: { bytesPerInterval: number; intervalUsecs: number } | null): string | null {
  if (!rate) return null;
  const bytesPerSecond = (rate.bytesPerInterval * 1_000_000) / rate.intervalUsecs;
  return formatRate({ bytesPerSecond, intervalUsecs: rate.intervalUsecs }) ?? `${Math.round(bytesPerSecond)}B/s`;
}

function toConfiguredRow(vif: TConfigVif): TConfiguredVifRow {
  const e = vif.effective;
  return {
    index: vif.index,
    devid: vif.devid,
    line: vif.line,
    spec: vif.spec,
    mac: e.mac,
    ips: e.ips,
    bridge: e.bridge,
    vifname: e.vifname,
    rateLimit: e.rate ? (formatRate({ bytesPerSecond: e.rate.bytesPerSecond, intervalUsecs: e.rate.intervalUsecs }) ?? e.rateText) : null,
    script: e.script,
    fatal: vif.fatal,
    problems: vif.diagnostics.filter((d) => d.severity !== "info").map((d) => d.message),
  };
}

/**
 * Pairs running vifs with configured ones (by MAC, else by devid) and lists what
 * differs. A config value left out means xl's default: no difference is
 * reported for a bridge the config does not name when the vif is on the
 * default bridge, nor for bridges at all in route and nat mode.
 */
export function computeVifDrift(
  running: readonly TRunningVifRow[],
  configured: readonly TConfiguredVifRow[],
  options: { networkMode: TNetworkMode; defaultBridge?: string },
): TVifPair[] {
  const pairs: TVifPair[] = [];
  const usedConfigured = new Set<number>();
  const matchOf = new Map<number, { index: number; by: "mac" | "devid" }>();
  running.forEach((r, i) => {
    const mac = normalizeMac(r.mac);
    const c = configured.findIndex((v, j) => !usedConfigured.has(j) && v.mac !== null && normalizeMac(v.mac) === mac);
    if (c >= 0) {
      usedConfigured.add(c);
      matchOf.set(i, { index: c, by: "mac" });
    }
  });
  running.forEach((r, i) => {
    if (matchOf.has(i)) return;
    // Only a configured vif without a MAC of its own can be the same device by devid: a different MAC is a different vif.
    const c = configured.findIndex((v, j) => !usedConfigured.has(j) && v.devid === r.devid && v.mac === null);
    if (c >= 0) {
      usedConfigured.add(c);
      matchOf.set(i, { index: c, by: "devid" });
    }
  });
  running.forEach((r, i) => {
    const m = matchOf.get(i);
    const c = m ? configured[m.index] : undefined;
    if (!m || !c) {
      pairs.push({ status: "running-only", running: i, configured: null, matchedBy: null, differences: [] });
      return;
    }
    const differences: TVifPair["differences"] = [];
    const cmac = c.mac ? normalizeMac(c.mac) : null;
    if (cmac !== null && cmac !== normalizeMac(r.mac)) differences.push({ field: "mac", running: r.mac, configured: c.mac ?? "" });
    if (options.networkMode === "bridge") {
      const wanted = c.bridge ?? options.defaultBridge ?? DEFAULT_BRIDGE;
      if (r.bridge !== wanted) differences.push({ field: "bridge", running: r.bridge ?? "none", configured: c.bridge ?? `${wanted} (default)` });
    }
    const rips = [...r.ips].sort().join(" ");
    const cips = [...c.ips].sort().join(" ");
    if (rips !== cips) differences.push({ field: "ip", running: rips || "none", configured: cips || "none" });
    if ((c.vifname ?? null) !== (r.vifname ?? null)) differences.push({ field: "vifname", running: r.vifname ?? "none", configured: c.vifname ?? "none" });
    if ((c.rateLimit ?? null) !== (r.rateLimit ?? null)) differences.push({ field: "rate", running: r.rateLimit ?? "none", configured: c.rateLimit ?? "none" });
    pairs.push({ status: differences.length ? "differs" : "same", running: i, configured: m.index, matchedBy: m.by, differences });
  });
  configured.forEach((_, j) => {
    if (!usedConfigured.has(j)) pairs.push({ status: "config-only", running: null, configured: j, matchedBy: null, differences: [] });
  });
  return pairs;
}

function toRunningRows(vifs: readonly TRunningVif[]): TRunningVifRow[] {
  const emuOf = new Set(vifs.filter((v) => v.kind === "emu").map((v) => v.devid));
  return vifs
    .filter((v) => v.kind === "vif")
    .sort((a, b) => a.devid - b.devid)
    .map((v) => ({
      devid: v.devid,
      kernelName: v.kernelName,
      key: stableKeyOf(v),
      mac: v.mac,
      ips: v.ips,
      bridge: v.bridge,
      vifname: v.vifname,
      rateLimit: formatRateLimit(v.rate),
      script: v.script,
      state: v.operState,
      hasEmuTwin: emuOf.has(v.devid),
    }));
}

/** A config file's domain name when it is not running: the file name without .cfg. */
function nameOfConfigFile(file: string): string {
  return file.replace(/\.(cfg|conf|xl|hvm)$/, "");
}

export const domainRouter = createTRPCRouter({
  /** Running guests, then the config files no running guest uses (stopped domains). */
  list: viewerProcedure
    .output(z.strictObject({ networkMode: z.enum(["bridge", "route", "nat"]), rows: z.array(ZDomainListRowSchema) }))
    .query(async ({ ctx }) => {
      const [inventory, files] = await Promise.all([readInventory(ctx), ctx.callAgent("listConfigs", {})]);
      const vifCount = new Map<number, number>();
      for (const v of inventory.vifs) if (v.kind === "vif") vifCount.set(v.domid, (vifCount.get(v.domid) ?? 0) + 1);
      const used = new Set(inventory.domains.map((d) => d.configFile).filter((f): f is string => f !== null));
      const rows: TDomainListRow[] = inventory.domains
        .filter((d) => d.domid !== 0)
        .map((d) => ({
          name: d.name,
          domid: d.domid,
          state: d.state,
          type: d.type,
          memoryMiB: d.memoryMiB,
          vcpus: d.vcpus,
          configFile: d.configFile,
          vifCount: vifCount.get(d.domid) ?? 0,
        }));
      for (const f of files) {
        if (used.has(f.name)) continue;
        rows.push({ name: nameOfConfigFile(f.name), domid: null, state: "stopped", type: null, memoryMiB: null, vcpus: null, configFile: f.name, vifCount: 0 });
      }
      return { networkMode: inventory.host.networkMode, rows };
    }),

  /** One domain: running and configured vifs side by side, with the drift between them. */
  get: viewerProcedure
    .input(z.strictObject({ name: ZDomainRefSchema }))
    .output(ZDomainDetailSchema)
    .query(async ({ ctx, input }) => {
      const inventory = await readInventory(ctx);
      const domain = inventory.domains.find((d) => d.name === input.name && d.domid !== 0);
      let configFile = domain?.configFile ?? null;
      if (!domain) {
        const files = await ctx.callAgent("listConfigs", {});
        configFile = files.find((f) => nameOfConfigFile(f.name) === input.name)?.name ?? null;
        if (!configFile) throw new TRPCError({ code: "NOT_FOUND", message: `${input.name} is neither a running domain nor a config file here` });
      }
      let configuredVifs: TConfiguredVifRow[] = [];
      let configProblem: string | null = domain && !configFile ? "vifdeck does not know this domain's config file" : null;
      if (configFile) {
        try {
          const file = await ctx.callAgent("readConfig", { name: configFile });
          const parsed = parseXlConfig(file.content, { source: file.name });
          configuredVifs = parsed.config.vifList.vifs.map(toConfiguredRow);
          if (!parsed.ok) configProblem = `xl would refuse ${file.name}: ${parsed.diagnostics.find((d) => d.severity === "error")?.message ?? "see the editor"}`;
        } catch (error) {
          configProblem = error instanceof Error ? error.message : String(error);
        }
      }
      const runningVifs = domain ? toRunningRows(inventory.vifs.filter((v) => v.domid === domain.domid)) : [];
      return {
        name: input.name,
        networkMode: inventory.host.networkMode,
        bridges: inventory.bridges.map((b) => b.name),
        running: domain ? { domid: domain.domid, state: domain.state, type: domain.type, memoryMiB: domain.memoryMiB, vcpus: domain.vcpus } : null,
        configFile,
        configProblem,
        runningVifs,
        configuredVifs,
        pairs: domain ? computeVifDrift(runningVifs, configuredVifs, { networkMode: inventory.host.networkMode }) : configuredVifs.map((_, j) => ({ status: "config-only" as const, running: null, configured: j, matchedBy: null, differences: [] })),
      };
    }),
});
