import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { auditRouter } from "~/server/api/routers/audit";
import { configRouter } from "~/server/api/routers/config";
import { hostRouter } from "~/server/api/routers/host";
import { tokenRouter } from "~/server/api/routers/token";
import { userRouter } from "~/server/api/routers/user";
import { vifRouter } from "~/server/api/routers/vif";

export const appRouter = createTRPCRouter({
  host: hostRouter,
  config: configRouter,
  vif: vifRouter,
  audit: auditRouter,
  user: userRouter,
  token: tokenRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
