// A run's timeline as the page holds it: the tail page, the live subscription from its last seq,
// older and newer pages on demand, the step summary and the resume cache. One hook because they
// all read and move the one event window (event-window.ts holds its pure logic).
import { skipToken, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { RunPageOpening } from "../../../../shared/run-page-opening";
import { OPENING_EVENTS_AROUND } from "../../../../shared/run-page-opening";
import { isActive } from "../../../../shared/run-status";
import { useConnectionState } from "../../../_lib/use-connection-state";
import { useTRPC } from "../../../_trpc/react";
import type { Run, RunEvent } from "../../../_trpc/types";
import { atTail, emptyWindow, hasOlder, lastSeqOf, windowReducer, type EventWindow } from "./event-window";
import type { StepSummary } from "./step-overview";
import { readCachedTimeline, writeCachedTimeline } from "./timeline-cache";
import { useFrameBatch } from "./use-frame-batch";

/** Events read per page when scrolling; a run with no more than this is simply subscribed from its start. */
export const PAGE_EVENTS = 200;
/** Events that change a step's state: the step summary is read again after them. */
const STEP_EVENTS = new Set(["NodeStarted", "NodeFinished", "RunResumed", "RunFinished"]);
const STEPS_REFRESH_MS = 500;

export type PageInput = { afterSeq?: number; beforeSeq?: number; limit?: number };

/** Reads one page of the run's events; pages are not kept in the query cache (the window holds them). */
export function usePageReader(runId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    (input: PageInput) =>
      queryClient.fetchQuery(trpc.run.eventsPage.queryOptions({ runId, ...input }, { staleTime: 0, gcTime: 0 })),
    [queryClient, trpc, runId],
  );
}

/** How the page opens the run: its tail (or all of a short run), around a deep-linked seq, or where this tab left it. */
async function openWindow(
  run: Run,
  readPage: (input: PageInput) => Promise<{ events: RunEvent[] }>,
  cached: RunEvent[] | null,
  aroundSeq: number | null,
): Promise<{ events: RunEvent[]; from: number; latestSeq: number }> {
  if (cached) return { events: cached, from: cached[0]!.seq, latestSeq: cached.at(-1)!.seq };
  if (aroundSeq !== null && run.lastSeq > 0) {
    const seq = Math.min(Math.max(1, aroundSeq), run.lastSeq);
    const [before, after] = await Promise.all([
      readPage({ beforeSeq: seq, limit: OPENING_EVENTS_AROUND }),
      readPage({ afterSeq: seq - 1, limit: OPENING_EVENTS_AROUND }),
    ]);
    const events = [...before.events, ...after.events];
    return { events, from: events[0]?.seq ?? seq, latestSeq: Math.max(run.lastSeq, events.at(-1)?.seq ?? 0) };
  }
  // A short run's whole log is one page anyway: the subscription's backfill brings it.
  if (run.lastSeq <= PAGE_EVENTS) return { events: [], from: 1, latestSeq: 0 };
  const tail = await readPage({});
  return { events: tail.events, from: tail.events[0]?.seq ?? 1, latestSeq: tail.events.at(-1)?.seq ?? 0 };
}

/** The window the server rendered the page with: its events, and the run's newest seq. */
function openedWith(opening: RunPageOpening | null): EventWindow {
  if (!opening) return emptyWindow;
  const { run, events } = opening;
  return windowReducer(emptyWindow, { type: "opened", events, from: run.lastSeq + 1, latestSeq: run.lastSeq });
}

/**
 * A run's events as the page holds them: a bounded window (what the server rendered the page
 * with, else the tail, or around a deep-linked seq, or what this tab held before a reload), then
 * `run.events` live from the newest seq known. Older and newer pages are read on demand; the step
 * summary (`run.steps`) stands for the rest.
 */
export function useRunTimeline(
  runId: string,
  run: Run | undefined,
  aroundSeq: number | null,
  opening: RunPageOpening | null,
) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const readPage = usePageReader(runId);
  const [window, dispatch] = useReducer(windowReducer, opening, openedWith);
  const latestWindow = useRef<EventWindow>(window);
  latestWindow.current = window;
  // Rendered with an opening, the page is open at once: it subscribes from there.
  const [subscribeFrom, setSubscribeFrom] = useState<number | null>(opening ? window.latestSeq : null);
  const [openError, setOpenError] = useState<Error | null>(null);
  const [cachedSteps, setCachedSteps] = useState<StepSummary[] | null>(null);
  const [loading, setLoading] = useState<"older" | "newer" | "tail" | null>(null);
  const loadingRef = useRef(false);
  /** Set by the view: the reader is at the newest rows, so a full window drops its oldest. */
  const readingNewest = useRef(true);
  const openedFor = useRef<string | null>(opening ? runId : null);

  const open = useCallback(
    (loaded: Run) => {
      setOpenError(null);
      // Session storage exists only in the browser, so it is read here, after hydration.
      const cached = aroundSeq === null ? readCachedTimeline(runId) : null;
      if (cached?.steps) setCachedSteps(cached.steps);
      openWindow(loaded, readPage, cached?.events ?? null, aroundSeq).then(
        (opened) => {
          dispatch({ type: "opened", ...opened });
          setSubscribeFrom(opened.latestSeq);
        },
        (error: unknown) => setOpenError(error instanceof Error ? error : new Error(String(error))),
      );
    },
    [runId, aroundSeq, readPage],
  );
  useEffect(() => {
    if (!run || openedFor.current === runId) return;
    openedFor.current = runId;
    open(run);
  }, [run, runId, open]);

  const stepsKey = trpc.run.steps.queryKey({ runId });
  const steps = useQuery(
    trpc.run.steps.queryOptions(
      { runId },
      {
        enabled: run !== undefined,
        initialData: opening?.steps,
        placeholderData: cachedSteps ?? undefined,
        refetchOnWindowFocus: false,
      },
    ),
  );
  const stepsRefresh = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshSteps = useCallback(() => {
    stepsRefresh.current ??= setTimeout(() => {
      stepsRefresh.current = null;
      void queryClient.invalidateQueries({ queryKey: stepsKey });
    }, STEPS_REFRESH_MS);
  }, [queryClient, stepsKey]);
  useEffect(() => () => clearTimeout(stepsRefresh.current ?? undefined), []);

  const batch = useFrameBatch((received: RunEvent[]) => {
    dispatch({ type: "received", events: received, keep: readingNewest.current ? "newest" : "oldest" });
    if (received.some((event) => STEP_EVENTS.has(event.type))) refreshSteps();
  });

  const runOver = run !== undefined && !isActive(run.status) && window.latestSeq >= run.lastSeq;
  const ended = window.finish !== null || (subscribeFrom !== null && runOver);
  const subscription = useSubscription(
    trpc.run.events.subscriptionOptions(subscribeFrom === null ? skipToken : { runId, fromSeq: subscribeFrom }, {
      enabled: subscribeFrom !== null && !ended,
      onData: ({ data }) => batch.add(data),
    }),
  );
  const connection = useConnectionState(subscription.status, ended);
  useCachedWindow(runId, window, subscribeFrom !== null, ended, steps.data);

  /** Runs one page read at a time; a failed read leaves the window as it was (scrolling tries again). */
  const load = useCallback(async (kind: "older" | "newer" | "tail", read: () => Promise<void>) => {
    if (loadingRef.current) return;
    loadingRef.current = true;
    setLoading(kind);
    try {
      await read();
    } catch {
      // Shown by the connection state when the server is gone; the next scroll retries.
    } finally {
      loadingRef.current = false;
      setLoading(null);
    }
  }, []);

  const loadOlder = useCallback(() => {
    const current = latestWindow.current;
    if (!hasOlder(current)) return;
    void load("older", async () => {
      const page = await readPage({ beforeSeq: current.from, limit: PAGE_EVENTS });
      dispatch({ type: "older", events: page.events });
    });
  }, [load, readPage]);

  const loadNewer = useCallback(() => {
    const current = latestWindow.current;
    if (atTail(current)) return;
    const last = lastSeqOf(current);
    if (current.recent[0] && current.recent[0].seq <= last + 1) return dispatch({ type: "newer", events: [] });
    void load("newer", async () => {
      const page = await readPage({ afterSeq: last, limit: PAGE_EVENTS });
      dispatch({ type: "newer", events: page.events });
    });
  }, [load, readPage]);

  const loadTail = useCallback(() => {
    if (atTail(latestWindow.current)) return;
    void load("tail", async () => dispatch({ type: "tail", events: (await readPage({})).events }));
  }, [load, readPage]);

  return {
    window,
    opened: subscribeFrom !== null,
    openError,
    reopen: () => run && open(run),
    steps: steps.data,
    connection,
    retry: subscription.reset,
    loading,
    loadOlder,
    loadNewer,
    loadTail,
    readingNewest,
  };
}

/** A live run's cache is written at most this often. */
const CACHE_WRITE_MS = 1_000;

/**
 * Keeps this tab's cache of the newest events current enough for a reload: at most once a second
 * while events arrive, at once when the run ended, and when the page goes away.
 */
function useCachedWindow(
  runId: string,
  window: EventWindow,
  opened: boolean,
  ended: boolean,
  steps: StepSummary[] | undefined,
) {
  const latest = useRef({ window, steps });
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const write = useCallback(() => {
    if (pending.current !== null) clearTimeout(pending.current);
    pending.current = null;
    const { window: current, steps: currentSteps } = latest.current;
    // Away from the tail, the newest events are the live ones kept apart.
    writeCachedTimeline(runId, atTail(current) ? current.events : current.recent, currentSteps);
  }, [runId]);
  useEffect(() => {
    latest.current = { window, steps };
    if (!opened) return;
    if (ended) write();
    else pending.current ??= setTimeout(write, CACHE_WRITE_MS);
  }, [window, steps, opened, ended, write]);
  useEffect(() => {
    if (!opened) return;
    globalThis.addEventListener("pagehide", write);
    return () => {
      // Leaving the page within the app: what arrived since the last write is kept too.
      globalThis.removeEventListener("pagehide", write);
      write();
    };
  }, [opened, write]);
}
