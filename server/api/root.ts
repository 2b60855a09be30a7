import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { configRouter } from "~/server/api/routers/config";
import { hostRouter } from "~/server/api/routers/host";
import { vifRouter } from "~/server/api/routers/vif";

export const appRouter = createTRPCRouter({
  host: hostRouter,
  config: configRouter,
  vif: vifRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
