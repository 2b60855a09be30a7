import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache, type ReactNode } from "react";

import { makeQueryClient } from "~/components/query-client";
import { appRouter } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";

/**
 * tRPC in server components: a page prefetches the queries of its first screen through the same
 * procedures the browser calls (same context, so the same permission checks), and
 * `<HydrateClient>` hands the results to the browser's query cache. The first HTML then carries
 * the page's content, which paints before any JavaScript has run; the client components find
 * their data in the cache and keep polling from there.
 */

/** One query client per request (React's `cache` is per request in server components). */
export const getQueryClient = cache(makeQueryClient);

const createRscContext = cache(async () => createContext({ headers: new Headers(await headers()) }));

export const trpcServer = createTRPCOptionsProxy({ router: appRouter, ctx: createRscContext, queryClient: getQueryClient });

/** Puts what the page prefetched into the browser's query cache. */
export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}

/**
 * How long a page waits for its prefetches before it sends what it has. A query that is not back
 * by then is left out of the HTML and asked again by the browser (with its loading state): a slow
 * or busy agent delays the page's data, never its first paint.
 */
export const PREFETCH_BUDGET_MS = 700;

/** Waits for the page's prefetches, at most PREFETCH_BUDGET_MS. */
export async function prefetchWithin(prefetches: Promise<unknown>[], budgetMs = PREFETCH_BUDGET_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(prefetches),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, budgetMs);
    }),
  ]);
  clearTimeout(timer);
}
