import { z } from "zod";

import { ZInventorySchema, type TVif } from "~/server/host/inventory";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";

/** The stable name DESIGN.md defines: the vifname, else `<domain>/<devid>`; the -emu twin shares its vif's. */
export function stableNameOf(vif: Pick<TVif, "vifname" | "domain" | "devid">): string {
  return vif.vifname ?? `${vif.domain}/${vif.devid}`;
}

export const ZOverviewSchema = z.strictObject({
  inventory: ZInventorySchema,
  stableNames: z.record(z.string(), z.string()),
  readAt: z.date(),
});
export type TOverview = z.infer<typeof ZOverviewSchema>;

export const hostRouter = createTRPCRouter({
  /** Everything the Overview shows: the host, its bridges with their ports, every vif with its stable name. */
  overview: viewerProcedure.output(ZOverviewSchema).query(async ({ ctx }) => {
    const inventory = await ctx.callAgent("inventory", {});
    const stableNames = Object.fromEntries(inventory.vifs.map((vif) => [vif.kernelName, stableNameOf(vif)]));
    return { inventory, stableNames, readAt: new Date() };
  }),
});
