import { skipToken } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useReducer, useRef } from "react";
import { useConnectionState } from "../../../_lib/use-connection-state";
import { useTRPC } from "../../../_trpc/react";
import type { RunEvent } from "../../../_trpc/types";
import { readCachedTimeline, writeCachedTimeline } from "./timeline-cache";

interface TimelineState {
  events: RunEvent[];
  /** The seq the subscription starts after: the last one restored from this tab's cache; null until read. */
  resumeFrom: number | null;
}

type TimelineAction = { type: "restored"; events: RunEvent[] } | { type: "received"; event: RunEvent };

function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
  switch (action.type) {
    case "restored":
      return state.resumeFrom !== null ? state : { events: action.events, resumeFrom: action.events.at(-1)?.seq ?? 0 };
    case "received": {
      // The server yields each seq once and in order; only a retry replays seqs already shown.
      const lastSeq = state.events.at(-1)?.seq ?? 0;
      return action.event.seq === lastSeq + 1 ? { ...state, events: [...state.events, action.event] } : state;
    }
  }
}

/**
 * A run's events as they happen: those this tab already rendered (kept across reloads), then
 * `run.events` from the last of them. tRPC resumes a dropped socket with the last event id.
 */
export function useRunTimeline(runId: string, runLoaded: boolean) {
  const trpc = useTRPC();
  const [{ events, resumeFrom }, dispatch] = useReducer(timelineReducer, { events: [], resumeFrom: null });
  const ended = events.at(-1)?.type === "RunFinished";

  // Session storage exists only in the browser, so it is read after hydration.
  useEffect(() => dispatch({ type: "restored", events: readCachedTimeline(runId) }), [runId]);
  useCachedTimeline(runId, events, resumeFrom !== null, ended);

  const subscription = useSubscription(
    trpc.run.events.subscriptionOptions(resumeFrom === null ? skipToken : { runId, fromSeq: resumeFrom }, {
      enabled: runLoaded && resumeFrom !== null && !ended,
      onData: ({ data }) => dispatch({ type: "received", event: data }),
    }),
  );
  const connection = useConnectionState(subscription.status, ended);

  return { events, connection, retry: subscription.reset };
}

/** A live run's cache is written at most this often (each write serialises every event so far). */
const CACHE_WRITE_MS = 1_000;

/**
 * Keeps this tab's cache of the timeline current enough for a reload: at most once a second while
 * events arrive, at once when the run ended, and when the page goes away (reload, navigation).
 */
function useCachedTimeline(runId: string, events: RunEvent[], restored: boolean, ended: boolean) {
  const latest = useRef(events);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    latest.current = events;
    if (!restored) return;
    const write = () => {
      if (pending.current !== null) clearTimeout(pending.current);
      pending.current = null;
      writeCachedTimeline(runId, latest.current);
    };
    if (ended) write();
    else pending.current ??= setTimeout(write, CACHE_WRITE_MS);
  }, [runId, events, restored, ended]);
  useEffect(() => {
    if (!restored) return;
    const flush = () => writeCachedTimeline(runId, latest.current);
    window.addEventListener("pagehide", flush);
    return () => {
      // Leaving the page within the app: what arrived since the last write is kept too.
      window.removeEventListener("pagehide", flush);
      if (pending.current !== null) clearTimeout(pending.current);
      pending.current = null;
      flush();
    };
  }, [runId, restored]);
}
