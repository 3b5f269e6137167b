import { skipToken, useQuery, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import type { TRPCClientErrorLike } from "@trpc/client";
import { useCallback } from "react";
import type { AppRouter, Run, RunEvent } from "../contract.js";
import { useRunsTRPC } from "./provider.js";
import { isFinished } from "./terminal.js";

export interface UseRunOptions {
  /**
   * While the run has not finished, refetch it this often (default 5000; 0: never). A useRunEvents
   * of the same run keeps it current as its events arrive, so this is only the backstop.
   */
  pollMs?: number | undefined;
}

export type RunsError = TRPCClientErrorLike<AppRouter>;

const DEFAULT_POLL_MS = 5_000;

/**
 * The run (`run.get`), kept current: its events, as a useRunEvents anywhere under the provider
 * receives them, update it (lastSeq at once; status, times and output by a refetch), and until it
 * finished it is refetched every `pollMs`. `data` is undefined while loading or without a runId.
 */
export function useRun(runId: string | null | undefined, options: UseRunOptions = {}): UseQueryResult<Run, RunsError> {
  const trpc = useRunsTRPC();
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  return useQuery(
    trpc.run.get.queryOptions(runId ? { runId } : skipToken, {
      refetchInterval: (query) => (pollMs > 0 && !(query.state.data && isFinished(query.state.data)) ? pollMs : false),
    }),
  );
}

/**
 * What an event of a run means for its cached `run.get`: lastSeq moves on; a run still queued has
 * started, a resumed one has a new attempt, a finished one its final state: those are read again.
 */
export function useRunCacheUpdate(): (event: RunEvent) => void {
  const trpc = useRunsTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    (event: RunEvent) => {
      const queryKey = trpc.run.get.queryKey({ runId: event.runId });
      const cached = queryClient.getQueryData(queryKey);
      if (!cached) return;
      if (event.type === "RunFinished" || event.type === "RunResumed" || cached.status === "queued") {
        void queryClient.invalidateQueries({ queryKey, exact: true });
      }
      if (event.seq > cached.lastSeq) queryClient.setQueryData(queryKey, { ...cached, lastSeq: event.seq });
    },
    [trpc, queryClient],
  );
}
