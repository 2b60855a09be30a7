import { z } from "zod";

import { ZAttachVifSchema, ZDomainRefSchema } from "~/server/agent/protocol";
import { adminProcedure, createTRPCRouter } from "~/server/api/trpc";
import { formatNetworkAttachArgv, type TVif } from "~/server/xen";

export const vifRouter = createTRPCRouter({
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
    .mutation(({ ctx, input }) => ctx.callAgent("attachVif", input)),

  detach: adminProcedure
    .input(z.strictObject({ domain: ZDomainRefSchema, devid: z.number().int().min(0).max(4096), persist: z.boolean() }))
    .mutation(({ ctx, input }) => ctx.callAgent("detachVif", input)),
});
