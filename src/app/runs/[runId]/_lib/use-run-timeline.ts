import { skipToken } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useReducer, useRef, useState } from "react";
import { useConnectionState } from "../../../_lib/use-connection-state";
import { useTRPC } from "../../../_trpc/react";
import type { RunEvent } from "../../../_trpc/types";
import { readCachedTimeline, writeCachedTimeline } from "./timeline-cache";

interface TimelineState {
  events: RunEvent[];
  /** The seq the subscription starts after: the last one restored from this tab's cache; null until read. */
  resumeFrom: number | null;
}

type TimelineAction = { type: "restored"; events: RunEvent[] } | { type: "received"; events: RunEvent[] };

function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
  switch (action.type) {
    case "restored":
      return state.resumeFrom !== null ? state : { events: action.events, resumeFrom: action.events.at(-1)?.seq ?? 0 };
    case "received": {
      // The server yields each seq once and in order; only a retry replays seqs already shown.
      let lastSeq = state.events.at(-1)?.seq ?? 0;
      const next: RunEvent[] = [];
      for (const event of action.events) {
        if (event.seq !== lastSeq + 1) continue;
        next.push(event);
        lastSeq = event.seq;
      }
      return next.length === 0 ? state : { ...state, events: [...state.events, ...next] };
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
  const batch = useFrameBatch((received: RunEvent[]) => dispatch({ type: "received", events: received }));
  const ended = events.at(-1)?.type === "RunFinished";

  // Session storage exists only in the browser, so it is read after hydration.
  useEffect(() => dispatch({ type: "restored", events: readCachedTimeline(runId) }), [runId]);
  useCachedTimeline(runId, events, resumeFrom !== null, ended);

  const subscription = useSubscription(
    trpc.run.events.subscriptionOptions(resumeFrom === null ? skipToken : { runId, fromSeq: resumeFrom }, {
      enabled: runLoaded && resumeFrom !== null && !ended,
      onData: ({ data }) => batch.add(data),
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

// A hidden tab gets no animation frames: its events are flushed on a timer instead.
const HIDDEN_FLUSH_MS = 250;

/**
 * Collects what arrives between two frames and hands it over once per frame, so a backfill or a
 * chatty run renders a few times a second rather than once per WebSocket message.
 */
function useFrameBatch<T>(flush: (items: T[]) => void): { add(item: T): void } {
  const latestFlush = useRef(flush);
  useEffect(() => {
    latestFlush.current = flush;
  });
  const [batch] = useState(() => {
    let queued: T[] = [];
    let scheduled = false;
    const deliver = () => {
      if (!scheduled) return;
      scheduled = false;
      const items = queued;
      queued = [];
      latestFlush.current(items);
    };
    return {
      add(item: T) {
        queued.push(item);
        if (scheduled) return;
        scheduled = true;
        requestAnimationFrame(deliver);
        setTimeout(deliver, HIDDEN_FLUSH_MS);
      },
    };
  });
  return batch;
}
