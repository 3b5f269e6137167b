import type { RunEvent } from "../../../_trpc/types";

/** The most events the page holds at once: older or newer pages are dropped and read again on demand. */
export const WINDOW_MAX_EVENTS = 2_000;
/** Live events kept apart while the window is away from the tail, so going back to it needs no read. */
const RECENT_MAX_EVENTS = 200;

/**
 * The part of a run's log the page holds: a gap-free run of events (`events[0].seq === from`), the
 * newest seq known to exist, the newest live events, and the RunFinished once seen. The window
 * is at the tail when it ends at `latestSeq`; only then do live events join it.
 */
export interface EventWindow {
  from: number;
  events: RunEvent[];
  latestSeq: number;
  recent: RunEvent[];
  finish: RunEvent | null;
}

/** Which end to keep when the window outgrows its bound: the one the reader is looking at. */
export type Keep = "oldest" | "newest";

export type WindowAction =
  /** The first events shown: a page (or nothing), with the newest seq known to exist. */
  | { type: "opened"; events: RunEvent[]; from: number; latestSeq: number }
  /** Live events, in seq order, each after the last one received. */
  | { type: "received"; events: RunEvent[]; keep: Keep }
  /** A page read before the window's first event. */
  | { type: "older"; events: RunEvent[] }
  /** A page read after the window's last event. */
  | { type: "newer"; events: RunEvent[] }
  /** The run's last page, read to go back to the tail. */
  | { type: "tail"; events: RunEvent[] };

export const emptyWindow: EventWindow = { from: 1, events: [], latestSeq: 0, recent: [], finish: null };

/** The seq of the window's last event (its `from - 1` while empty). */
export const lastSeqOf = (window: EventWindow) => window.from + window.events.length - 1;
export const atTail = (window: EventWindow) => lastSeqOf(window) >= window.latestSeq;
export const hasOlder = (window: EventWindow) => window.from > 1;

const finishIn = (events: readonly RunEvent[]) => events.findLast((event) => event.type === "RunFinished") ?? null;

function bounded(window: EventWindow, keep: Keep): EventWindow {
  const excess = window.events.length - WINDOW_MAX_EVENTS;
  if (excess <= 0) return window;
  return keep === "newest"
    ? { ...window, from: window.from + excess, events: window.events.slice(excess) }
    : { ...window, events: window.events.slice(0, WINDOW_MAX_EVENTS) };
}

/** `events` continued by those of `more` that follow its end without a gap. */
function joined(from: number, events: RunEvent[], more: readonly RunEvent[]): RunEvent[] {
  let last = from + events.length - 1;
  const next: RunEvent[] = [];
  for (const event of more) {
    if (event.seq !== last + 1) continue;
    next.push(event);
    last = event.seq;
  }
  return next.length === 0 ? events : [...events, ...next];
}

export function windowReducer(state: EventWindow, action: WindowAction): EventWindow {
  switch (action.type) {
    case "opened":
      return {
        from: action.events[0]?.seq ?? action.from,
        events: action.events,
        latestSeq: Math.max(action.latestSeq, action.events.at(-1)?.seq ?? 0),
        recent: [],
        finish: finishIn(action.events),
      };
    case "received": {
      // The server yields each seq once and in order; only a retry replays seqs already received.
      const fresh = joined(
        state.latestSeq + 1,
        [],
        action.events.filter((event) => event.seq > state.latestSeq),
      );
      if (fresh.length === 0) return state;
      const latestSeq = fresh.at(-1)!.seq;
      const recent = [...state.recent, ...fresh].slice(-RECENT_MAX_EVENTS);
      const finish = finishIn(fresh) ?? state.finish;
      if (!atTail(state)) return { ...state, latestSeq, recent, finish };
      const events = joined(state.from, state.events, fresh);
      return bounded({ ...state, events, latestSeq, recent, finish }, action.keep);
    }
    case "older": {
      const page = action.events.filter((event) => event.seq < state.from);
      if (page.length === 0 || page.at(-1)!.seq !== state.from - 1) return state;
      return bounded({ ...state, from: page[0]!.seq, events: [...page, ...state.events] }, "oldest");
    }
    case "newer": {
      // Live events already received continue the page when they reach back to it.
      let events = joined(state.from, state.events, action.events);
      events = joined(state.from, events, state.recent);
      return bounded({ ...state, events, finish: finishIn(action.events) ?? state.finish }, "newest");
    }
    case "tail": {
      const first = action.events[0];
      if (!first) return state;
      const events = joined(first.seq, action.events, state.recent);
      return bounded(
        {
          ...state,
          from: first.seq,
          events,
          latestSeq: Math.max(state.latestSeq, events.at(-1)!.seq),
          finish: finishIn(action.events) ?? state.finish,
        },
        "newest",
      );
    }
  }
}
