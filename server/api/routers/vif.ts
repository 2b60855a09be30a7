import { z } from "zod";

import { env } from "~/env";
import { billingPeriodOf } from "~/server/accounting/calendar";
import { stableKeyOf } from "~/server/accounting/identity";
import { readKeyTotals } from "~/server/accounting/queries";
import { AGENT_OPS, ZAttachVifSchema, ZDomainRefSchema } from "~/server/agent/protocol";
import { forgetPosture } from "~/server/api/routers/security";
import { adminProcedure, createTRPCRouter, viewerProcedure, type Context } from "~/server/api/trpc";
import { db, dbKindOf } from "~/server/db";
import { ZOperStateSchema, ZVifSchema as ZInventoryVifSchema, type TInventory, type TInterfaceCounters } from "~/server/host/inventory";
import {
  collectKnownMacs,
  computeMacCollisionProbability,
  deriveMacFromIpv4,
  formatNetworkAttachArgv,
  formatRate,
  generateXenMac,
  normalizeMac,
  parseXlConfig,
  type TVif,
} from "~/server/xen";

/**
 * Vifs: the list (every guest interface with its stable name, rate limit,
 * current rate and this billing period's total), one vif's page, MAC
 * suggestions for the attach dialog, attach and detach.
 */

// ---------------------------------------------------------------------------
// Reads shared with the domain, bridge and security routers

const INVENTORY_TTL_MS = 1_000;
let inventoryCache: { at: number; value: Promise<TInventory> } | null = null;

/**
 * The agent's inventory, shared by the calls of one page load (a batch asks for
 * it several times): one read per second at most. Attach and detach forget it.
 */
export function readInventory(ctx: Pick<Context, "callAgent">): Promise<TInventory> {
  const now = Date.now();
  if (inventoryCache && now - inventoryCache.at < INVENTORY_TTL_MS) return inventoryCache.value;
  const value = ctx.callAgent("inventory", {});
  inventoryCache = { at: now, value };
  value.catch(() => {
    if (inventoryCache?.value === value) inventoryCache = null;
  });
  return value;
}

export function forgetInventory(): void {
  inventoryCache = null;
}

export type TMacInUse = { mac: string; where: string; domain: string };

/** Every guest MAC on the running host and in every config file, with where it is used. */
export async function readMacsInUse(ctx: Pick<Context, "callAgent">): Promise<{ macs: TMacInUse[]; configCount: number }> {
  const [inventory, files] = await Promise.all([readInventory(ctx), ctx.callAgent("listConfigs", {})]);
  const configs = await Promise.all(files.map((f) => ctx.callAgent("readConfig", { name: f.name })));
  const macs: TMacInUse[] = [];
  for (const vif of inventory.vifs) {
    if (vif.kind !== "vif") continue;
    const mac = normalizeMac(vif.mac);
    if (mac) macs.push({ mac, where: `${vif.kernelName} (${vif.domain}, devid ${vif.devid}, running)`, domain: vif.domain });
  }
  for (const file of configs) {
    const parsed = parseXlConfig(file.content, { source: file.name });
    for (const mac of collectKnownMacs([parsed.config])) {
      macs.push({ mac, where: `${file.name} (config file)`, domain: file.name });
    }
  }
  return { macs, configCount: configs.length };
}

const MONTH_ORDER_LIMIT = 100_000;

/** Each key's traffic in the current billing period, as the guest sees it (in = received). */
async function readMonthTotals(): Promise<{ label: string; totals: Map<string, { inBytes: number; outBytes: number }> } | null> {
  const period = billingPeriodOf(Math.floor(Date.now() / 1000), env.VIFDECK_ACCOUNTING_TZ, env.VIFDECK_BILLING_DAY);
  try {
    const rows = await readKeyTotals(db, dbKindOf(env.DATABASE_URL), { fromS: period.start, toS: period.end }, { limit: MONTH_ORDER_LIMIT });
    return {
      label: period.label,
      totals: new Map(rows.map((r) => [r.key, { inBytes: Number(r.counters.inBytes), outBytes: Number(r.counters.outBytes) }])),
    };
  } catch {
    return null;
  }
}

type TRates = Map<string, { inBps: number; outBps: number }>;

/**
 * Current rates in bits per second, as the guest sees them: the last two complete
 * fine buckets of the counter store. When the store has none (no collector),
 * the difference between this read of the agent's counters and the previous one.
 */
async function readCurrentRates(inventory: TInventory, ctx: Pick<Context, "callAgent">): Promise<{ source: "accounting" | "counters" | "none"; rates: TRates }> {
  const fineS = env.VIFDECK_COLLECT_INTERVAL_S;
  const nowS = Math.floor(Date.now() / 1000);
  const toS = Math.floor(nowS / fineS) * fineS;
  const fromS = toS - 2 * fineS;
  try {
    const rows = await readKeyTotals(db, dbKindOf(env.DATABASE_URL), { fromS, toS }, { resolution: "fine", limit: MONTH_ORDER_LIMIT });
    if (rows.length > 0) {
      const span = toS - fromS;
      return {
        source: "accounting",
        rates: new Map(rows.map((r) => [r.key, { inBps: (Number(r.counters.inBytes) * 8) / span, outBps: (Number(r.counters.outBytes) * 8) / span }])),
      };
    }
  } catch {
    // The counter store is unavailable: fall back to the agent's counters.
  }
  return readRatesFromCounters(inventory, ctx);
}

let previousCounters: { at: number; byName: Map<string, TInterfaceCounters> } | null = null;

async function readRatesFromCounters(inventory: TInventory, ctx: Pick<Context, "callAgent">): Promise<{ source: "counters" | "none"; rates: TRates }> {
  let counters;
  try {
    counters = await ctx.callAgent("counters", {});
  } catch {
    return { source: "none", rates: new Map() };
  }
  const byName = new Map(counters.interfaces.map((c) => [c.name, c]));
  const before = previousCounters;
  previousCounters = { at: counters.at, byName };
  const seconds = before ? (counters.at - before.at) / 1000 : 0;
  if (!before || seconds < 0.5 || seconds > 300) return { source: "none", rates: new Map() };
  const rates: TRates = new Map();
  for (const vif of inventory.vifs) {
    const now = byName.get(vif.kernelName);
    const then = before.byName.get(vif.kernelName);
    if (!now || !then || now.ifindex !== then.ifindex || now.rxBytes < then.rxBytes || now.txBytes < then.txBytes) continue;
    const key = stableKeyOf(vif);
    const entry = rates.get(key) ?? { inBps: 0, outBps: 0 };
    // dom0's tx is what the guest received.
    entry.inBps += (Number(now.txBytes - then.txBytes) * 8) / seconds;
    entry.outBps += (Number(now.rxBytes - then.rxBytes) * 8) / seconds;
    rates.set(key, entry);
  }
  return { source: "counters", rates };
}

/** A vif's configured rate limit, as xl writes it (`10MB/s`), from the kernel's bytes per interval. */
function formatRateLimit(rate: TInventory["vifs"][number]["rate"]): string | null {
  if (!rate) return null;
  const bytesPerSecond = (rate.bytesPerInterval * 1_000_000) / rate.intervalUsecs;
  return formatRate({ bytesPerSecond, intervalUsecs: rate.intervalUsecs }) ?? `${Math.round(bytesPerSecond)}B/s`;
}

// ---------------------------------------------------------------------------
// Schemas

export const ZVifRowSchema = z.strictObject({
  key: z.string(),
  kernelName: z.string(),
  kind: z.enum(["vif", "emu"]),
  domain: z.string(),
  domid: z.number().int(),
  devid: z.number().int(),
  vifname: z.string().nullable(),
  mac: z.string(),
  ips: z.array(z.string()),
  bridge: z.string().nullable(),
  /** The rate limit as xl writes it, or null for none. */
  rateLimit: z.string().nullable(),
  state: ZOperStateSchema,
  /** Bits per second as the guest sees them (in = received); null when unknown. The -emu twin shares its vif's. */
  inBps: z.number().nullable(),
  outBps: z.number().nullable(),
  /** Bytes in this billing period, by stable name; null when unknown. */
  monthIn: z.number().nullable(),
  monthOut: z.number().nullable(),
});
export type TVifRow = z.infer<typeof ZVifRowSchema>;

const ZVifListSchema = z.strictObject({
  readAt: z.date(),
  networkMode: z.enum(["bridge", "route", "nat"]),
  bridges: z.array(z.string()),
  period: z.string().nullable(),
  ratesFrom: z.enum(["accounting", "counters", "none"]),
  rows: z.array(ZVifRowSchema),
});

/** The vif list column by column: element i of every column is vif i. */
const ZVifColumnsSchema = z.strictObject({
  key: z.array(ZVifRowSchema.shape.key),
  kernelName: z.array(ZVifRowSchema.shape.kernelName),
  kind: z.array(ZVifRowSchema.shape.kind),
  domain: z.array(ZVifRowSchema.shape.domain),
  domid: z.array(ZVifRowSchema.shape.domid),
  devid: z.array(ZVifRowSchema.shape.devid),
  vifname: z.array(ZVifRowSchema.shape.vifname),
  mac: z.array(ZVifRowSchema.shape.mac),
  ips: z.array(ZVifRowSchema.shape.ips),
  bridge: z.array(ZVifRowSchema.shape.bridge),
  rateLimit: z.array(ZVifRowSchema.shape.rateLimit),
  state: z.array(ZVifRowSchema.shape.state),
  inBps: z.array(ZVifRowSchema.shape.inBps),
  outBps: z.array(ZVifRowSchema.shape.outBps),
  monthIn: z.array(ZVifRowSchema.shape.monthIn),
  monthOut: z.array(ZVifRowSchema.shape.monthOut),
});
export type TVifColumns = z.infer<typeof ZVifColumnsSchema>;

const ZVifTableSchema = ZVifListSchema.omit({ rows: true })
  .extend({ count: z.number().int().nonnegative(), columns: ZVifColumnsSchema })
  .refine((t) => Object.values(t.columns).every((column) => column.length === t.count), { message: "every column has one element per vif" });
export type TVifTable = z.infer<typeof ZVifTableSchema>;

const ZStableKeySchema = z.string().min(1).max(200);

const ZVifDetailSchema = z.strictObject({
  key: z.string(),
  networkMode: z.enum(["bridge", "route", "nat"]),
  /** The running interfaces of this stable name (the vif and an HVM guest's -emu twin); empty when it is not running. */
  interfaces: z.array(ZInventoryVifSchema),
  domain: z
    .strictObject({ name: z.string(), domid: z.number().int(), state: z.string(), configFile: z.string().nullable() })
    .nullable(),
  /** The vif's element in its domain's config file, matched by MAC, else by devid. */
  configured: z
    .strictObject({ file: z.string(), index: z.number().int(), line: z.number().int(), spec: z.string(), matchedBy: z.enum(["mac", "devid"]) })
    .nullable(),
  period: z.string().nullable(),
  monthIn: z.number().nullable(),
  monthOut: z.number().nullable(),
  inBps: z.number().nullable(),
  outBps: z.number().nullable(),
  ratesFrom: z.enum(["accounting", "counters", "none"]),
});
export type TVifDetail = z.infer<typeof ZVifDetailSchema>;

/** The vif list of `list` and `table`: inventory, this period's totals and the current rates, by stable name. */
async function readVifList(ctx: Pick<Context, "callAgent">): Promise<z.infer<typeof ZVifListSchema>> {
  const inventory = await readInventory(ctx);
  const [month, current] = await Promise.all([readMonthTotals(), readCurrentRates(inventory, ctx)]);
  const rows: TVifRow[] = inventory.vifs.map((vif) => {
    const key = stableKeyOf(vif);
    const rate = current.rates.get(key);
    const total = month?.totals.get(key);
    return {
      key,
      kernelName: vif.kernelName,
      kind: vif.kind,
      domain: vif.domain,
      domid: vif.domid,
      devid: vif.devid,
      vifname: vif.vifname,
      mac: vif.mac,
      ips: vif.ips,
      bridge: vif.bridge,
      rateLimit: formatRateLimit(vif.rate),
      state: vif.operState,
      inBps: current.source === "none" ? null : (rate?.inBps ?? 0),
      outBps: current.source === "none" ? null : (rate?.outBps ?? 0),
      monthIn: month ? (total?.inBytes ?? 0) : null,
      monthOut: month ? (total?.outBytes ?? 0) : null,
    };
  });
  return {
    readAt: new Date(),
    networkMode: inventory.host.networkMode,
    bridges: inventory.bridges.map((b) => b.name),
    period: month?.label ?? null,
    ratesFrom: current.source,
    rows,
  };
}

/** Rows to columns (TVifColumns), rates rounded to whole bits per second. */
export function toVifColumns(rows: TVifRow[]): TVifColumns {
  const round = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    key: rows.map((r) => r.key),
    kernelName: rows.map((r) => r.kernelName),
    kind: rows.map((r) => r.kind),
    domain: rows.map((r) => r.domain),
    domid: rows.map((r) => r.domid),
    devid: rows.map((r) => r.devid),
    vifname: rows.map((r) => r.vifname),
    mac: rows.map((r) => r.mac),
    ips: rows.map((r) => r.ips),
    bridge: rows.map((r) => r.bridge),
    rateLimit: rows.map((r) => r.rateLimit),
    state: rows.map((r) => r.state),
    inBps: rows.map((r) => round(r.inBps)),
    outBps: rows.map((r) => round(r.outBps)),
    monthIn: rows.map((r) => r.monthIn),
    monthOut: rows.map((r) => r.monthOut),
  };
}

// ---------------------------------------------------------------------------

export const vifRouter = createTRPCRouter({
  /** Every guest interface, one object per vif (for API clients; the Vifs page reads `table`). */
  list: viewerProcedure.output(ZVifListSchema).query(({ ctx }) => readVifList(ctx)),

  /**
   * The same as `list`, column by column: what the Vifs page fetches (every 15 s) and sorts and
   * filters in the browser. On a host with 8,000 vifs the rows' repeated field names were more
   * than half of a 2.6 MB answer, and parsing it blocked the page's main thread; columns are
   * less than half the bytes, with rates rounded to whole bits per second.
   */
  table: viewerProcedure.output(ZVifTableSchema).query(async ({ ctx }) => {
    const { rows, ...rest } = await readVifList(ctx);
    return { ...rest, count: rows.length, columns: toVifColumns(rows) };
  }),

  /** One vif by stable name: its interfaces now, its config line, its totals (its history is the traffic router's). */
  get: viewerProcedure
    .input(z.strictObject({ key: ZStableKeySchema }))
    .output(ZVifDetailSchema)
    .query(async ({ ctx, input }) => {
      const inventory = await readInventory(ctx);
      const interfaces = inventory.vifs.filter((v) => stableKeyOf(v) === input.key);
      const main = interfaces.find((v) => v.kind === "vif") ?? interfaces[0];
      const domain = main ? inventory.domains.find((d) => d.domid === main.domid) : undefined;
      let configured: TVifDetail["configured"] = null;
      if (main && domain?.configFile) {
        const file = await ctx.callAgent("readConfig", { name: domain.configFile }).catch(() => null);
        if (file) {
          const vifs = parseXlConfig(file.content, { source: file.name }).config.vifList.vifs;
          const mac = normalizeMac(main.mac);
          const byMac = vifs.find((v) => v.effective.mac !== null && normalizeMac(v.effective.mac) === mac);
          const entry = byMac ?? vifs.find((v) => v.devid === main.devid);
          if (entry) configured = { file: file.name, index: entry.index, line: entry.line, spec: entry.spec, matchedBy: byMac ? "mac" : "devid" };
        }
      }
      const [month, current] = await Promise.all([
        readMonthTotals(),
        readCurrentRates(inventory, ctx),
      ]);
      const rate = current.rates.get(input.key);
      const total = month?.totals.get(input.key);
      return {
        key: input.key,
        networkMode: inventory.host.networkMode,
        interfaces,
        domain: domain ? { name: domain.name, domid: domain.domid, state: domain.state, configFile: domain.configFile } : null,
        configured,
        period: month?.label ?? null,
        monthIn: month ? (total?.inBytes ?? 0) : null,
        monthOut: month ? (total?.outBytes ?? 0) : null,
        inBps: current.source === "none" ? null : (rate?.inBps ?? 0),
        outBps: current.source === "none" ? null : (rate?.outBps ?? 0),
        ratesFrom: current.source,
      };
    }),

  /** What the attach dialog offers: the running guests, the host's bridges, the networking mode and its script. */
  attachOptions: adminProcedure
    .output(
      z.strictObject({
        networkMode: z.enum(["bridge", "route", "nat"]),
        vifScript: z.string(),
        bridges: z.array(z.string()),
        domains: z.array(z.strictObject({ name: z.string(), domid: z.number().int(), type: z.enum(["pv", "pvh", "hvm"]), vifCount: z.number().int(), configFile: z.string().nullable() })),
      }),
    )
    .query(async ({ ctx }) => {
      const inventory = await readInventory(ctx);
      const vifCount = new Map<number, number>();
      for (const v of inventory.vifs) if (v.kind === "vif") vifCount.set(v.domid, (vifCount.get(v.domid) ?? 0) + 1);
      return {
        networkMode: inventory.host.networkMode,
        vifScript: inventory.host.vifScript,
        bridges: inventory.bridges.map((b) => b.name),
        domains: inventory.domains
          .filter((d) => d.domid !== 0)
          .map((d) => ({ name: d.name, domid: d.domid, type: d.type, vifCount: vifCount.get(d.domid) ?? 0, configFile: d.configFile }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    }),

  /**
   * A fresh MAC for a new vif, checked against every MAC on the host and in every
   * config file: random in Xen's 00:16:3e prefix, or derived from an IPv4 address
   * (the chapter's locally administered scheme). With the birthday odds of the
   * random scheme at this host's size.
   */
  suggestMac: adminProcedure
    .input(z.strictObject({ scheme: z.enum(["random", "ipv4"]), ipv4: z.string().max(64).optional() }))
    .output(
      z.strictObject({
        mac: z.string().nullable(),
        problem: z.string().nullable(),
        macsKnown: z.number().int(),
        collisionOdds: z.number(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const { macs } = await readMacsInUse(ctx);
      const known = new Set(macs.map((m) => m.mac));
      const collisionOdds = computeMacCollisionProbability(known.size + 1);
      if (input.scheme === "ipv4") {
        const derived = deriveMacFromIpv4(input.ipv4 ?? "");
        if (!derived.ok) return { mac: null, problem: derived.error, macsKnown: known.size, collisionOdds };
        const taken = macs.find((m) => m.mac === derived.mac);
        return {
          mac: derived.mac,
          problem: taken ? `${derived.mac} is already used by ${taken.where}` : null,
          macsKnown: known.size,
          collisionOdds,
        };
      }
      const mac = generateXenMac(known);
      return { mac, problem: mac ? null : "no free MAC in 00:16:3e after 1,000 draws", macsKnown: known.size, collisionOdds };
    }),

  /** Where a MAC is already used (running vifs and config files); empty when it is free. */
  checkMac: adminProcedure
    .input(z.strictObject({ mac: z.string().max(64) }))
    .output(z.strictObject({ mac: z.string().nullable(), usedBy: z.array(z.string()) }))
    .query(async ({ ctx, input }) => {
      const mac = normalizeMac(input.mac);
      if (!mac) return { mac: null, usedBy: [] };
      const { macs } = await readMacsInUse(ctx);
      return { mac, usedBy: macs.filter((m) => m.mac === mac).map((m) => m.where) };
    }),

  /** The exact xl command an attach would run, for the dialog to show before it runs. */
  previewAttach: adminProcedure
    .input(z.strictObject({ domain: ZDomainRefSchema, vif: ZAttachVifSchema }))
    .output(z.strictObject({ ok: z.boolean(), command: z.array(z.string()), problems: z.array(z.string()) }))
    .query(({ input }) => {
      const vif: TVif = { ...input.vif, ...(input.vif.ip ? { ip: input.vif.ip } : {}) };
      const argv = formatNetworkAttachArgv(input.domain, vif);
      return {
        ok: argv.ok,
        command: ["xl", ...argv.argv],
        problems: argv.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
      };
    }),

  attach: adminProcedure
    .input(z.strictObject({ domain: ZDomainRefSchema, vif: ZAttachVifSchema, persist: z.boolean() }))
    .output(AGENT_OPS.attachVif.result)
    .mutation(async ({ ctx, input }) => {
      try {
        return await ctx.callAgent("attachVif", input);
      } finally {
        forgetInventory();
        forgetPosture();
      }
    }),

  detach: adminProcedure
    .input(z.strictObject({ domain: ZDomainRefSchema, devid: z.number().int().min(0).max(4096), persist: z.boolean() }))
    .output(AGENT_OPS.detachVif.result)
    .mutation(async ({ ctx, input }) => {
      try {
        return await ctx.callAgent("detachVif", input);
      } finally {
        forgetInventory();
        forgetPosture();
      }
    }),
});
