import { useInfiniteQuery, type InfiniteData, type UseInfiniteQueryResult } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Run, RunList, RunListInput } from "../contract.js";
import { useRunsTRPC } from "./provider.js";
import type { RunsError } from "./use-run.js";

/** run.list's filters and page size; the cursor is the hook's. */
export type UseRunsInput = Omit<RunListInput, "cursor">;

export type UseRunsResult = UseInfiniteQueryResult<InfiniteData<RunList, unknown>, RunsError> & {
  /** The loaded pages' runs, newest first. */
  runs: Run[];
};

/**
 * The caller's runs, newest first, a page (`limit`, default 20) at a time as run.list pages them:
 * `fetchNextPage()` loads the next while `hasNextPage`. Refetched as TanStack Query refetches
 * (window focus, invalidation of `useRunsTRPC().run.list.pathKey()`).
 */
export function useRuns(input: UseRunsInput = {}): UseRunsResult {
  const trpc = useRunsTRPC();
  const query = useInfiniteQuery(
    trpc.run.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor }),
  );
  const runs = useMemo(() => (query.data?.pages ?? []).flatMap((page) => page.items), [query.data]);
  // Spread: every field of the result is then read, so each change renders (TanStack tracks reads).
  return { ...query, runs };
}
