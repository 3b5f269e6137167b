"use client";

// The run page's timeline: the windowed list of step and event rows, with its scroll behaviour
// (follow the tail, keep the position when older pages load, jump to a deep-linked seq). One piece
// because those three share the scroll container and its measurements; rows, windowing and the
// event window live in _lib.

import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from "react";
import { formatCount } from "../../../_lib/format";
import type { RunEvent, RunStatus } from "../../../_trpc/types";
import type { StepSummary } from "../_lib/step-overview";
import { renderedBlocks, timelineRows, type TimelineRow } from "../_lib/timeline-rows";
import { useWindowedList } from "../_lib/use-windowed-list";
import styles from "./timeline.module.css";
import { TimelineEventRow } from "./timeline-event";
import { TimelineStep } from "./timeline-step";

export interface TimelineSource {
  /** A gap-free part of the run's events, or (flat) the matches of a filter. */
  events: readonly RunEvent[];
  /** Each event as a row of its own, without steps: for a filter's matches. */
  flat?: boolean;
  /** There are earlier events (or matches) to read. */
  hasOlder: boolean;
  /** The newest seq known: the run's event count so far. */
  latestSeq: number;
  atTail: boolean;
  loading: "older" | "newer" | "tail" | null;
  loadOlder: () => void;
  loadNewer: () => void;
  loadTail: () => void;
  /** Told whether the reader is at the newest rows (a full window then drops its oldest). */
  readingNewest: RefObject<boolean>;
}

interface TimelineProps {
  source: TimelineSource;
  summaries: readonly StepSummary[] | undefined;
  planSteps: readonly string[] | undefined;
  status: RunStatus;
  /** Events to mark, e.g. those about the screen selected in the graph. */
  highlighted?: ReadonlySet<number>;
  /** The deep-linked seq: scrolled to, marked, and its step opened. */
  focusSeq: number | null;
  /** Controls above the list (filter, replay). */
  toolbar?: ReactNode;
  /** What the list shows, for the heading: "13 events", "4 matches". */
  countLabel?: string;
  /** A new key starts the list afresh (scroll, heights, opened steps): another source. */
  listKey: string;
}

/** The run's events as a windowed list: only rows in view (and a screen around) are in the page. */
export function Timeline({ toolbar, countLabel, listKey, ...list }: TimelineProps) {
  return (
    <section className="card" aria-labelledby="timeline-heading">
      <div className={styles.heading}>
        <h2 id="timeline-heading" className="card-title">
          Timeline
        </h2>
        <span className="muted" data-testid="timeline-count">
          {countLabel ?? formatCount(list.source.latestSeq, "event")}
        </span>
      </div>
      {toolbar}
      <TimelineList key={listKey} {...list} />
    </section>
  );
}

const NONE: ReadonlySet<number> = new Set();
const ROW_ESTIMATE_PX = 34;
const ROW_GAP_PX = 6;
const OVERSCAN_PX = 800;
/** Pages are read when the reader comes this close to either end of what is held. */
const LOAD_AHEAD_PX = 600;

function TimelineList({
  source,
  summaries,
  planSteps,
  status,
  highlighted = NONE,
  focusSeq,
}: Omit<TimelineProps, "toolbar" | "countLabel" | "listKey">) {
  const [toggled, setToggled] = useState<ReadonlyMap<string, boolean>>(new Map());
  const atStart = (source.events[0]?.seq ?? 1) === 1;
  const rows = useMemo(
    () =>
      timelineRows({
        events: source.events,
        atTail: source.atTail,
        atStart,
        summaries,
        planSteps,
        toggled,
        revealSeq: focusSeq,
        flat: source.flat ?? false,
      }),
    [source.events, source.atTail, source.flat, atStart, summaries, planSteps, toggled, focusSeq],
  );
  const keys = useMemo(() => rows.map((row) => row.key), [rows]);
  const list = useWindowedList({
    keys,
    estimate: ROW_ESTIMATE_PX,
    gap: ROW_GAP_PX,
    overscanPx: OVERSCAN_PX,
    followFromStart: focusSeq === null,
    firstKey: focusSeq === null ? undefined : `e${focusSeq}`,
  });
  const onToggle = useCallback(
    (name: string, expanded: boolean) => setToggled((current) => new Map(current).set(name, expanded)),
    [],
  );

  useReadingEnd(source, list.following);
  useLoadNearEnds(source, list.viewportRef, list.aboveView, keys[0], list.following);
  useScrollToFocus(focusSeq, keys, list.scrollToKey);

  const eventRow = (row: Extract<TimelineRow, { kind: "event" }>) => (
    <TimelineEventRow
      key={row.key}
      rowKey={row.key}
      entry={row.entry}
      inStep={row.step !== null}
      highlighted={highlighted.has(row.entry.event.seq) || row.entry.event.seq === focusSeq}
    />
  );
  const jumpToLatest = () => {
    source.loadTail();
    list.followEnd();
  };
  const first = source.events[0]?.seq ?? null;
  const last = source.events.at(-1)?.seq ?? null;
  return (
    <div
      data-testid="timeline"
      data-oldest-seq={first ?? undefined}
      data-newest-seq={last ?? undefined}
      data-latest-seq={source.latestSeq}
      data-following={list.following && source.atTail}
      data-loading={source.loading ?? undefined}
    >
      {source.hasOlder ? (
        <p className={styles.edge}>
          <button
            type="button"
            className={styles.edgeButton}
            onClick={source.loadOlder}
            disabled={source.loading !== null}
            data-testid="timeline-load-older"
          >
            {source.loading === "older" ? "Loading older events…" : `Older events (before #${first ?? "…"})`}
          </button>
        </p>
      ) : null}
      <div ref={list.viewportRef} className={styles.viewport} onScroll={list.onScroll} data-testid="timeline-viewport">
        <ol
          ref={list.listRef}
          className={styles.timeline}
          aria-label="Timeline"
          data-status={status}
          style={{ paddingTop: list.padTop, paddingBottom: list.padBottom }}
        >
          {renderedBlocks(rows, list.start, list.end).map((block) =>
            block.kind === "event" ? (
              eventRow(block.row)
            ) : (
              <TimelineStep
                key={block.step.key}
                rowKey={block.step.key}
                step={block.step.step}
                showHeader={block.showHeader}
                onToggle={onToggle}
              >
                {block.events.length > 0 ? block.events.map(eventRow) : null}
              </TimelineStep>
            ),
          )}
        </ol>
      </div>
      {!list.following || !source.atTail ? (
        <p className={styles.edge}>
          <button type="button" className={styles.edgeButton} onClick={jumpToLatest} data-testid="timeline-jump-latest">
            {source.loading === "tail" ? "Loading latest…" : "Jump to latest"}
          </button>
        </p>
      ) : null}
    </div>
  );
}

/** The window keeps the end the reader is at when it outgrows its bound. */
function useReadingEnd(source: TimelineSource, following: boolean) {
  useEffect(() => {
    source.readingNewest.current = following;
  }, [source.readingNewest, following]);
}

/**
 * Reads the next page when the reader nears either end of what is held. An older page that left
 * the first row as it was (its events all in a collapsed step) does not start another by itself:
 * the "older events" button does.
 */
function useLoadNearEnds(
  source: TimelineSource,
  viewportRef: RefObject<HTMLDivElement | null>,
  scrolled: number,
  firstKey: string | undefined,
  following: boolean,
) {
  const firstAtLastLoad = useRef<string | undefined>(undefined);
  const { loading, loadOlder, loadNewer, atTail, hasOlder } = source;
  useEffect(() => {
    const viewport = viewportRef.current;
    if (loading !== null || !viewport) return;
    // Read from the page: the layout effects of this render have already placed the viewport.
    const above = viewport.scrollTop;
    const below = viewport.scrollHeight - viewport.scrollTop - viewport.clientHeight;
    // Following the tail, the reader is at the bottom: older pages wait until they scroll up.
    if (hasOlder && !following && above < LOAD_AHEAD_PX && firstAtLastLoad.current !== firstKey) {
      firstAtLastLoad.current = firstKey;
      loadOlder();
    } else if (!atTail && below < LOAD_AHEAD_PX) loadNewer();
  }, [viewportRef, loading, hasOlder, scrolled, firstKey, following, atTail, loadOlder, loadNewer]);
}

/** Brings the deep-linked event into view, in the list and in the page, once it is among the rows. */
function useScrollToFocus(focusSeq: number | null, keys: readonly string[], scrollToKey: (key: string) => void) {
  const done = useRef(false);
  useEffect(() => {
    if (focusSeq === null || done.current) return;
    const key = `e${focusSeq}`;
    if (!keys.includes(key)) return;
    done.current = true;
    scrollToKey(key);
    // Once the list has placed it (next frame), the page scrolls to it too: the list may be below the fold.
    requestAnimationFrame(() => document.querySelector(`[data-row-key="${key}"]`)?.scrollIntoView({ block: "center" }));
  }, [focusSeq, keys, scrollToKey]);
}
