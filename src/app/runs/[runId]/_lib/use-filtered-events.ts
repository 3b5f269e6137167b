import { useCallback, useEffect, useRef, useState } from "react";
import type { RunEvent } from "../../../_trpc/types";
import { WINDOW_MAX_EVENTS } from "./event-window";
import { usePageReader } from "./use-run-timeline";

export interface EventFilter {
  /** One event type, or null for all. */
  type: string | null;
  /** Looked for in the events, case-insensitively; empty for none. */
  text: string;
}

export const isFiltering = (filter: EventFilter) => filter.type !== null || filter.text.trim() !== "";

/** Matches wanted before a search stops reading on its own; further ones come as the reader scrolls up. */
const MATCHES_PER_SEARCH = 50;
/** Pages read in one go at most (each examines 5,000 events on the server). */
const PAGES_PER_SEARCH = 25;

interface FilteredState {
  events: RunEvent[];
  /** Where the next older page starts (the server's scannedTo); null before the first page. */
  cursor: number | null;
  hasMore: boolean;
  loading: boolean;
  error: Error | null;
}

const initial: FilteredState = { events: [], cursor: null, hasMore: false, loading: false, error: null };

/**
 * The whole run's events matching a filter, newest first found, read from the server page by page
 * (`run.eventsPage` with `types`/`text`): a search reads on until it has a screenful of matches or
 * has examined a long stretch, and goes on from where it stopped when asked for older matches.
 */
export function useFilteredEvents(runId: string, filter: EventFilter | null) {
  const readPage = usePageReader(runId);
  const [state, setState] = useState<FilteredState>(initial);
  const latest = useRef(state);
  latest.current = state;
  const generation = useRef(0);
  const types = filter?.type ? [filter.type] : undefined;
  const text = filter?.text.trim() || undefined;
  const key = filter ? JSON.stringify([types, text]) : null;

  const search = useCallback(
    async (from: number | null, ask: { types?: string[]; text?: string }) => {
      const mine = ++generation.current;
      setState((current) => ({ ...current, loading: true, error: null }));
      let cursor = from;
      let found = 0;
      try {
        for (let page = 0; page < PAGES_PER_SEARCH; page++) {
          const result = await readPage({ ...ask, ...(cursor === null ? {} : { beforeSeq: cursor }) });
          if (mine !== generation.current) return;
          const nextCursor = result.scannedTo ?? cursor;
          found += result.events.length;
          setState((current) => ({
            ...current,
            events: [...result.events, ...current.events].slice(0, WINDOW_MAX_EVENTS),
            cursor: nextCursor,
            hasMore: result.hasMore,
          }));
          cursor = nextCursor;
          if (!result.hasMore || found >= MATCHES_PER_SEARCH) break;
        }
        setState((current) => ({ ...current, loading: false }));
      } catch (error) {
        if (mine === generation.current)
          setState((current) => ({
            ...current,
            loading: false,
            error: error instanceof Error ? error : new Error(String(error)),
          }));
      }
    },
    [readPage],
  );

  useEffect(() => {
    generation.current++;
    setState(initial);
    if (key === null) return;
    const [askTypes, askText] = JSON.parse(key) as [string[] | undefined, string | undefined];
    void search(null, { ...(askTypes ? { types: askTypes } : {}), ...(askText ? { text: askText } : {}) });
  }, [key, search]);

  const loadOlder = useCallback(() => {
    const current = latest.current;
    if (key === null || current.loading || !current.hasMore) return;
    const [askTypes, askText] = JSON.parse(key) as [string[] | undefined, string | undefined];
    void search(current.cursor, { ...(askTypes ? { types: askTypes } : {}), ...(askText ? { text: askText } : {}) });
  }, [key, search]);

  return { ...state, loadOlder };
}
