import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { auditRouter } from "~/server/api/routers/audit";
import { billingRouter } from "~/server/api/routers/billing";
import { bridgeRouter } from "~/server/api/routers/bridge";
import { configRouter } from "~/server/api/routers/config";
import { domainRouter } from "~/server/api/routers/domain";
import { securityRouter } from "~/server/api/routers/security";
import { trafficRouter } from "~/server/api/routers/traffic";
import { tokenRouter } from "~/server/api/routers/token";
import { userRouter } from "~/server/api/routers/user";
import { vifRouter } from "~/server/api/routers/vif";

export const appRouter = createTRPCRouter({
  config: configRouter,
  vif: vifRouter,
  audit: auditRouter,
  user: userRouter,
  token: tokenRouter,
  domain: domainRouter,
  bridge: bridgeRouter,
  security: securityRouter,
  traffic: trafficRouter,
  billing: billingRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
