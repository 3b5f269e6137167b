import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useMemo, useReducer, useRef } from "react";
import { useConnectionState } from "../_lib/use-connection-state";
import { useTRPC } from "../_trpc/react";
import { applyActivityEvent, withLivePatch } from "./live-run-patches";

export const RUNS_PAGE_SIZE = 20;

/**
 * Recent runs, newest first, paged with the API's cursor and kept current by `run.activity`:
 * events of listed runs patch their rows; an unseen run (a new one) or a `resync` refetches.
 */
export function useLiveRuns() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useInfiniteQuery(
    trpc.run.list.infiniteQueryOptions({ limit: RUNS_PAGE_SIZE }, { getNextPageParam: (page) => page.nextCursor }),
  );
  const [patches, applyEvent] = useReducer(applyActivityEvent, {});
  const runs = useMemo(
    () => (list.data?.pages ?? []).flatMap((page) => page.items).map((run) => withLivePatch(run, patches[run.id])),
    [list.data, patches],
  );

  const refetch = () => void queryClient.invalidateQueries({ queryKey: trpc.run.list.pathKey() });
  // A run older than the loaded pages stays unknown after a refetch: refetch once per run, not per event.
  const refetchedFor = useRef(new Set<string>());
  const activity = useSubscription(
    trpc.run.activity.subscriptionOptions(undefined, {
      // The stream is live only: whatever happened before it (re)started is read from the list.
      onStarted: refetch,
      onData: (item) => {
        if (item.kind === "resync") return refetch();
        applyEvent(item.event);
        const { runId } = item.event;
        if (!runs.some((run) => run.id === runId) && !refetchedFor.current.has(runId)) {
          refetchedFor.current.add(runId);
          refetch();
        }
      },
    }),
  );
  const connection = useConnectionState(activity.status, false);

  return { list, runs, connection };
}
