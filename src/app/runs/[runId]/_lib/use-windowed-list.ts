import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject, type UIEvent } from "react";
import { indexAt, prefixOffsets } from "./row-offsets";

interface WindowedListOptions {
  /** Every row's stable key, in order. */
  keys: readonly string[];
  /** The height assumed for a row not rendered yet, and the space between rows (pixels). */
  estimate: number;
  gap: number;
  /** Rows rendered beyond each edge of the viewport (pixels), so a quick scroll shows no blank. */
  overscanPx: number;
  /** Start at the end and stay there as rows are added. */
  followFromStart: boolean;
  /** Else, the row the first render shows at the top (a deep-linked one), if among the keys. */
  firstKey?: string | undefined;
}

export interface WindowedList {
  viewportRef: RefObject<HTMLDivElement | null>;
  listRef: RefObject<HTMLOListElement | null>;
  onScroll: (event: UIEvent<HTMLDivElement>) => void;
  /** Rows [start, end) are rendered, with padding standing for the others. */
  start: number;
  end: number;
  padTop: number;
  padBottom: number;
  /** At the end, moving with new rows; false once the reader scrolls away from it. */
  following: boolean;
  /** Pixels of rows above the viewport and below it. */
  aboveView: number;
  belowView: number;
  followEnd: () => void;
  /** Brings a row to a third of the way down the viewport and stops following. */
  scrollToKey: (key: string) => void;
}

const AT_END_PX = 8;
/**
 * Rows the first render shows when it starts at the end (or at a deep-linked row): what fits this
 * high (estimated) at the top of the viewport. That render is the server's HTML too, before any
 * script can scroll, so those rows are in view at first paint; the next render places them.
 */
const FIRST_PAINT_PX = 400;

/** The first row that starts at or below `position`. */
function firstRowBelow(offsets: readonly number[], position: number): number {
  const index = indexAt(offsets, position);
  return offsets[index]! < position ? index + 1 : index;
}

/**
 * A list that renders only the rows in and near its scrolling viewport. Rows may differ in height:
 * rendered ones are measured (again whenever the list resizes, e.g. a row's details opened), the
 * others estimated. The row at the top of the viewport stays put while rows are added or measured
 * above it, so loading older rows keeps the reader's place.
 */
export function useWindowedList({
  keys,
  estimate,
  gap,
  overscanPx,
  followFromStart,
  firstKey,
}: WindowedListOptions): WindowedList {
  const viewportRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const heights = useRef(new Map<string, number>());
  const [, setMeasured] = useState(0);
  const [view, setView] = useState({ top: 0, height: 600 });
  const [following, setFollowing] = useState(followFromStart);
  // Until the first layout effect has measured the viewport (never, in the server's render).
  const [placed, setPlaced] = useState(false);
  const followingRef = useRef(followFromStart);
  // A deep-linked row is placed a third of the way down (as scrollToKey does) from the first layout on.
  const anchor = useRef<{ key: string; delta: number } | null>(
    !followFromStart && firstKey !== undefined ? { key: firstKey, delta: -FIRST_PAINT_PX / 2 } : null,
  );

  const heightOf = (key: string) => (heights.current.get(key) ?? estimate) + gap;
  const offsets = prefixOffsets(keys, heightOf);
  const total = offsets[keys.length]!;
  const firstIndex = firstKey === undefined ? -1 : keys.indexOf(firstKey);
  const firstPaint = !placed && (followFromStart || firstIndex >= 0);
  const start = !firstPaint
    ? indexAt(offsets, view.top - overscanPx)
    : followFromStart
      ? firstRowBelow(offsets, total - FIRST_PAINT_PX)
      : Math.max(0, firstIndex - 2);
  const end = !firstPaint
    ? Math.min(keys.length, indexAt(offsets, view.top + view.height + overscanPx) + 1)
    : followFromStart
      ? keys.length
      : Math.min(keys.length, firstRowBelow(offsets, offsets[start]! + FIRST_PAINT_PX));

  const latest = useRef({ keys, heightOf });
  latest.current = { keys, heightOf };

  const setFollow = useCallback((value: boolean) => {
    followingRef.current = value;
    setFollowing(value);
  }, []);

  const measure = useCallback(() => {
    const list = listRef.current;
    if (!list) return false;
    let changed = false;
    for (const row of list.querySelectorAll<HTMLElement>("[data-row-key]")) {
      const key = row.dataset.rowKey!;
      const height = row.getBoundingClientRect().height;
      if (Math.abs((heights.current.get(key) ?? -1) - height) > 0.5) {
        heights.current.set(key, height);
        changed = true;
      }
    }
    return changed;
  }, []);

  // After every render, before paint and before any effect reads it: measure what was rendered,
  // then put the viewport where it belongs (re-rendering once if a measured row changed the padding).
  useLayoutEffect(() => {
    const changed = measure();
    const viewport = viewportRef.current;
    if (!viewport) return;
    if (followingRef.current) {
      viewport.scrollTop = viewport.scrollHeight;
    } else if (anchor.current) {
      const index = keys.indexOf(anchor.current.key);
      if (index >= 0) {
        const measured = changed ? prefixOffsets(keys, heightOf) : offsets;
        const wanted = Math.max(0, measured[index]! + anchor.current.delta);
        if (Math.abs(viewport.scrollTop - wanted) > 1) viewport.scrollTop = wanted;
      }
    }
    if (changed) setMeasured((n) => n + 1);
    if (!placed) setPlaced(true);
    if (view.height !== viewport.clientHeight || view.top !== viewport.scrollTop)
      setView({ top: viewport.scrollTop, height: viewport.clientHeight });
  });

  // A row changing height without a render (its details opened) resizes the list.
  useEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const observer = new ResizeObserver(() => {
      if (measure()) setMeasured((n) => n + 1);
    });
    observer.observe(list);
    return () => observer.disconnect();
  }, [measure]);

  const onScroll = useCallback(
    (event: UIEvent<HTMLDivElement>) => {
      const viewport = event.currentTarget;
      // Offsets from the heights measured so far: those of the last render may predate a measurement.
      const { keys: currentKeys, heightOf } = latest.current;
      const currentOffsets = prefixOffsets(currentKeys, heightOf);
      const top = viewport.scrollTop;
      const index = Math.min(indexAt(currentOffsets, top), Math.max(0, currentKeys.length - 1));
      const key = currentKeys[index];
      anchor.current = key === undefined ? null : { key, delta: top - currentOffsets[index]! };
      const atEnd = viewport.scrollHeight - top - viewport.clientHeight <= AT_END_PX;
      if (atEnd !== followingRef.current) setFollow(atEnd);
      setView({ top, height: viewport.clientHeight });
    },
    [setFollow],
  );

  const followEnd = useCallback(() => {
    setFollow(true);
    const viewport = viewportRef.current;
    if (viewport) viewport.scrollTop = viewport.scrollHeight;
  }, [setFollow]);

  const scrollToKey = useCallback(
    (key: string) => {
      setFollow(false);
      anchor.current = { key, delta: -Math.round((viewportRef.current?.clientHeight ?? 600) / 3) };
      setMeasured((n) => n + 1);
    },
    [setFollow],
  );

  return {
    viewportRef,
    listRef,
    onScroll,
    start,
    end,
    padTop: firstPaint ? 0 : offsets[start]!,
    padBottom: firstPaint ? 0 : total - offsets[end]!,
    following,
    aboveView: view.top,
    belowView: Math.max(0, total - view.top - view.height),
    followEnd,
    scrollToKey,
  };
}
