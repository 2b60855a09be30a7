import { z } from "zod";

import { stableKeyOf } from "~/server/accounting/identity";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";
import { ZInventorySchema } from "~/server/host/inventory";

export const ZOverviewSchema = z.strictObject({
  inventory: ZInventorySchema,
  /** Each guest interface's stable name (DESIGN.md), by kernel name. */
  stableNames: z.record(z.string(), z.string()),
  readAt: z.date(),
});
export type TOverview = z.infer<typeof ZOverviewSchema>;

export const hostRouter = createTRPCRouter({
  /** Everything the Overview shows: the host, its bridges with their ports, every vif with its stable name. */
  overview: viewerProcedure.output(ZOverviewSchema).query(async ({ ctx }) => {
    const inventory = await ctx.callAgent("inventory", {});
    const stableNames = Object.fromEntries(inventory.vifs.map((vif) => [vif.kernelName, stableKeyOf(vif)]));
    return { inventory, stableNames, readAt: new Date() };
  }),
});
