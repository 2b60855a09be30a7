import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { hostRouter } from "~/server/api/routers/host";

export const appRouter = createTRPCRouter({
  host: hostRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
