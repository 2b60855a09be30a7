import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import { env } from "~/env";
import { appRouter } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import { limitApiRequest } from "~/server/auth/request-limits";
import { logger } from "~/server/logger";

const handler = async (incoming: Request) => {
  // Oversized bodies get 413 and non-JSON POSTs 415, before tRPC parses anything.
  const req = await limitApiRequest(incoming, env.VIFDECK_MAX_REQUEST_BYTES);
  if (req instanceof Response) return req;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createContext({ headers: req.headers }),
    onError: ({ path, error }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ path, err: error }, "tRPC call failed");
    },
  });
};

export { handler as GET, handler as POST };
