import { useCallback, useEffect, useReducer, useRef } from "react";
import type { RunEvent } from "../contract.js";
import { useRunsTRPCClient } from "./provider.js";
import { useRunCacheUpdate, type RunsError } from "./use-run.js";

/**
 * `connecting`: before the first connection; `live`: subscribed, events arrive as they happen;
 * `reconnecting`: the connection dropped, the client resumes from `lastSeq` once it is back;
 * `finished`: RunFinished arrived (nothing follows it); `error`: the server refused the
 * subscription (e.g. NOT_FOUND) or the client gave up reconnecting: see `error`, and `retry()`.
 */
export type RunEventsStatus = "connecting" | "live" | "reconnecting" | "finished" | "error";

export interface UseRunEventsOptions {
  /** The last seq the caller already has: events after it are delivered (default 0: all). */
  fromSeq?: number | undefined;
  /** false: no subscription (default true). */
  enabled?: boolean | undefined;
}

export interface RunEventsResult {
  /** The events after `fromSeq`, each once and in seq order. */
  events: RunEvent[];
  status: RunEventsStatus;
  error: RunsError | null;
  /** The seq of the last event delivered (`fromSeq` before the first). */
  lastSeq: number;
  /** After an error: subscribes again from `lastSeq`. */
  retry: () => void;
}

interface StreamState {
  /** Which run and starting point the state belongs to: a change of either starts afresh. */
  key: string;
  events: RunEvent[];
  lastSeq: number;
  status: RunEventsStatus;
  error: RunsError | null;
  /** Bumped by retry(): subscribes again. */
  attempt: number;
}

type StreamAction =
  | { type: "reset"; key: string; fromSeq: number }
  | ({ key: string } & (
      | { type: "started" }
      | { type: "connecting" }
      | { type: "event"; event: RunEvent }
      | { type: "complete" }
      | { type: "error"; error: RunsError }
      | { type: "retry" }
    ));

const initialState = (key: string, fromSeq: number): StreamState => ({
  key,
  events: [],
  lastSeq: fromSeq,
  status: "connecting",
  error: null,
  attempt: 0,
});

function streamReducer(state: StreamState, action: StreamAction): StreamState {
  if (action.type === "reset") return state.key === action.key ? state : initialState(action.key, action.fromSeq);
  // A late callback of a subscription that was already replaced changes nothing.
  if (action.key !== state.key) return state;
  if (state.status === "finished") return state;
  switch (action.type) {
    case "started":
      return state.status === "live" ? state : { ...state, status: "live", error: null };
    case "connecting":
      // tRPC says "connecting" before the first connection and again after a drop.
      return state.status === "live" ? { ...state, status: "reconnecting" } : state;
    case "event": {
      const { event } = action;
      // The server sends each seq once; a resume after a drop must not show one twice.
      if (event.seq <= state.lastSeq) return state;
      return {
        ...state,
        events: [...state.events, event],
        lastSeq: event.seq,
        status: event.type === "RunFinished" ? "finished" : "live",
        error: null,
      };
    }
    case "complete":
      // The server completes the stream after RunFinished, or at once for a finished run with nothing after fromSeq.
      return { ...state, status: "finished" };
    case "error":
      return { ...state, status: "error", error: action.error };
    case "retry":
      return state.status === "error"
        ? { ...state, status: "connecting", error: null, attempt: state.attempt + 1 }
        : state;
  }
}

/**
 * A run's timeline, live: `run.events` from `fromSeq` (stored events, then new ones as they are
 * written), with the connection's state. A dropped connection is resumed from the last delivered
 * seq (tRPC sends it as lastEventId), so nothing is missed or repeated; the stream stops at
 * RunFinished. Each event also updates the run's cached `run.get`, so a useRun of it follows.
 */
export function useRunEvents(runId: string | null | undefined, options: UseRunEventsOptions = {}): RunEventsResult {
  const client = useRunsTRPCClient();
  const updateRun = useRunCacheUpdate();
  const fromSeq = options.fromSeq ?? 0;
  const enabled = (options.enabled ?? true) && Boolean(runId);
  const key = `${runId ?? ""}@${fromSeq}`;
  const [stored, dispatch] = useReducer(streamReducer, initialState(key, fromSeq));
  // Another run (or starting point) than the state holds: its state starts afresh, in this render.
  const state = stored.key === key ? stored : initialState(key, fromSeq);
  if (stored.key !== key) dispatch({ type: "reset", key, fromSeq });

  // Read by the subscription when it (re)starts, without restarting it on every event.
  const latest = useRef(state);
  latest.current = state;
  const updateRunRef = useRef(updateRun);
  updateRunRef.current = updateRun;

  useEffect(() => {
    if (!enabled || !runId) return;
    const current = latest.current;
    if (current.key !== key || current.status === "finished") return;
    const subscription = client.run.events.subscribe(
      // A retry starts after what was delivered; tRPC itself resumes a dropped socket from there too.
      { runId, fromSeq: current.lastSeq },
      {
        onStarted: () => dispatch({ key, type: "started" }),
        onConnectionStateChange: (connection) => {
          if (connection.state === "connecting") dispatch({ key, type: "connecting" });
          else if (connection.state === "pending") dispatch({ key, type: "started" });
        },
        onData: ({ data }) => {
          dispatch({ key, type: "event", event: data });
          updateRunRef.current(data);
        },
        onError: (error) => dispatch({ key, type: "error", error }),
        onComplete: () => dispatch({ key, type: "complete" }),
      },
    );
    return () => subscription.unsubscribe();
  }, [client, runId, key, enabled, state.attempt]);

  const retry = useCallback(() => dispatch({ key, type: "retry" }), [key]);
  return { events: state.events, status: state.status, error: state.error, lastSeq: state.lastSeq, retry };
}
