import { QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

/**
 * One QueryClient recipe for the browser and for server components. Pages prefetch their first
 * screen's tRPC queries on the server (server/api/rsc.tsx) and hand them to the browser's client
 * through a HydrationBoundary, so the first paint already has the data instead of waiting for the
 * JavaScript, then a fetch. The data crosses as superjson (Dates stay Dates). Only successful
 * queries are handed on (the default): a failed or unfinished server-side read is asked again by
 * the browser, which shows its own loading and error states with the server's message.
 */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 2_000, refetchOnWindowFocus: true, retry: 1 },
      dehydrate: { serializeData: superjson.serialize },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
