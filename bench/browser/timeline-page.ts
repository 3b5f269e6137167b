// How the timeline bench finds things in the run page, and what it measures inside it. The
// selectors are the one place to adapt when the page changes: the rewritten run page exposes
// stable data-testids (tried first); today's page marks its rows with data-seq (the fallbacks).
import type { BrowserContext, CDPSession, Page } from "@playwright/test";

export const TIMELINE_SELECTORS = {
  /** The row of one event; `{seq}` is replaced by its seq. */
  rowBySeq: ['[data-testid="timeline-row"][data-seq="{seq}"]', '[aria-label="Timeline"] [data-seq="{seq}"]'],
  /** Any event row of the timeline. */
  anyRow: '[data-testid="timeline-row"], [aria-label="Timeline"] [data-seq]',
  /** A row marked as the one a `?seq=` link points at (matched on the row or an ancestor). */
  highlighted:
    '[data-highlighted], [aria-current]:not([aria-current="false"]), [data-testid="timeline-row-highlighted"]',
  /** The page's connection state, "Live" once subscribed. */
  connection: '[role="status"][aria-label="Connection"]',
  /** Where the page says how many events the run has ("20,000 events"). */
  eventCount: ['[data-testid="timeline-count"]', 'section[aria-labelledby="timeline-heading"]'],
} as const;
type Selectors = typeof TIMELINE_SELECTORS;

/** What the probe saw in one document; times are performance.now(), ms since its navigation began. */
export interface TimelineProbe {
  /** Every task of 50 ms or more: [start, duration]. */
  longTasks: [number, number][];
  /** The first frame with any event row rendered. */
  firstRowAt: number | null;
  /** The first frame with the target row rendered (a box on the page, not necessarily scrolled to). */
  rowAt: number | null;
  /** Whether the target row was inside the viewport in that frame (the page opened at it). */
  rowInViewport: boolean;
  /** The first frame with the target row rendered and highlighted (deep links only). */
  highlightAt: number | null;
  /** rowAt, or highlightAt when a highlight is awaited: the look is done. */
  doneAt: number | null;
}

declare global {
  interface Window {
    __timeline?: TimelineProbe;
  }
}

/**
 * Runs in the page before any of its scripts: records long tasks, and checks once per frame
 * whether the row of `seq` is rendered (and, with `highlight`, marked). A frame's check runs
 * before that frame is painted, so the time is when the row first reached the screen.
 */
function installTimelineProbe({
  seq,
  highlight,
  selectors,
}: {
  seq: number;
  highlight: boolean;
  selectors: Selectors;
}) {
  const state: TimelineProbe = {
    longTasks: [],
    firstRowAt: null,
    rowAt: null,
    rowInViewport: false,
    highlightAt: null,
    doneAt: null,
  };
  window.__timeline = state;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) state.longTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: "longtask", buffered: true });
  const rowSelectors = selectors.rowBySeq.map((s) => s.replace("{seq}", String(seq)));
  const rendered = (element: Element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const check = (now: number) => {
    if (state.firstRowAt === null) {
      const any = document.querySelector(selectors.anyRow);
      if (any && rendered(any)) state.firstRowAt = now;
    }
    let row: Element | null = null;
    for (const selector of rowSelectors) {
      row = document.querySelector(selector);
      if (row && rendered(row)) break;
      row = null;
    }
    if (!row) return;
    const box = row.getBoundingClientRect();
    if (state.rowAt === null) {
      state.rowAt = now;
      state.rowInViewport = box.bottom > 0 && box.top < window.innerHeight;
    }
    if (!highlight) {
      state.doneAt = state.rowAt;
      return;
    }
    if (row.closest(selectors.highlighted)) {
      state.highlightAt = now;
      state.rowInViewport = box.bottom > 0 && box.top < window.innerHeight;
      state.doneAt = now;
    }
  };
  const frame = () => {
    check(performance.now());
    if (state.doneAt === null) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** A new tab (its own context: no cache, no session storage) with the probe waiting for `seq`. */
export async function openProbedTab(
  context: BrowserContext,
  target: { seq: number; highlight: boolean },
  onProblem: (line: string) => void,
): Promise<{ page: Page; cdp: CDPSession; crashed: () => boolean }> {
  const page = await context.newPage();
  let crashed = false;
  page.on("crash", () => {
    crashed = true;
    onProblem(`  page crashed: ${page.url()}`);
  });
  page.on("pageerror", (error) => onProblem(`  page error: ${error.message}`));
  // As source: tsx compiles this module keeping function names through an `__name` helper that
  // exists only in Node, so the page gets a stand-in for it.
  const args = JSON.stringify({ ...target, selectors: TIMELINE_SELECTORS });
  await page.addInitScript({
    content: `(() => { const __name = (f) => f; (${installTimelineProbe.toString()})(${args}); })();`,
  });
  const cdp = await context.newCDPSession(page);
  return { page, cdp, crashed: () => crashed };
}

/** Settles with `promise`, or with `fallback` when it has not within `ms` (a frozen page answers nothing). */
export async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), Math.max(0, ms))));
  try {
    return await Promise.race([promise.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ProbeOutcome {
  probe: TimelineProbe | null;
  /** The look ended at its cap without the row (or its highlight). */
  capped: boolean;
  /** The row was shown but stayed unmarked for `unmarkedGraceMs`: the page has no deep links. */
  unmarked: boolean;
}

/**
 * Polls the probe until the look is done, the row has been shown unmarked for `unmarkedGraceMs`
 * (deep links), or `capMs` has passed since `startedAt` (performance.now() of this process).
 */
export async function awaitProbe(
  page: Page,
  startedAt: number,
  capMs: number,
  unmarkedGraceMs = Infinity,
): Promise<ProbeOutcome> {
  const deadline = startedAt + capMs;
  let last: (TimelineProbe & { now: number }) | null = null;
  while (performance.now() < deadline) {
    const read = await within(
      page.evaluate(() => (window.__timeline ? { ...window.__timeline, now: performance.now() } : null)),
      deadline - performance.now(),
      null,
    );
    if (read) {
      last = read;
      if (read.doneAt !== null) return { probe: read, capped: false, unmarked: false };
      if (read.rowAt !== null && read.now - read.rowAt > unmarkedGraceMs)
        return { probe: read, capped: false, unmarked: true };
    }
    if (page.isClosed()) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { probe: last, capped: true, unmarked: false };
}

/**
 * Waits until the page shows any event row, has hydrated (the app marks `<html data-hydrated>`) and
 * its connection says one of `states` (by default "Live": subscribed; a page rendered on the server
 * shows rows, and a finished run's "Ended", before its scripts run);
 * resolves with the page's clock then (performance.now()), or null when it has not within `capMs`.
 */
export async function awaitLive(
  page: Page,
  capMs: number,
  states: readonly string[] = ["Live"],
): Promise<number | null> {
  const deadline = performance.now() + capMs;
  while (performance.now() < deadline) {
    const now = await within(
      page.evaluate(
        ({ selector, wanted }) => {
          const state = document.querySelector(selector)?.textContent?.trim() ?? "";
          const hydrated = document.documentElement.dataset.hydrated !== undefined;
          return window.__timeline?.firstRowAt == null || !hydrated || !wanted.includes(state)
            ? null
            : performance.now();
        },
        { selector: TIMELINE_SELECTORS.connection, wanted: [...states] },
      ),
      deadline - performance.now(),
      null,
    );
    if (now !== null) return now;
    if (page.isClosed()) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

export interface TimelineCounters {
  /** Elements in the document. */
  elements: number;
  /** JS heap used after a full garbage collection, bytes. */
  heapUsed: number;
  /** Σ (key length + value length) over the origin's session storage (UTF-16 units ≈ bytes for JSON). */
  sessionStorage: number;
}

/** The page's counters; NaN for any the page did not answer within `ms` (it is frozen). */
export async function timelineCounters(page: Page, cdp: CDPSession, ms: number): Promise<TimelineCounters> {
  const dom = await within(
    page.evaluate(() => {
      let storage = 0;
      for (let i = 0; i < sessionStorage.length; i += 1) {
        const key = sessionStorage.key(i)!;
        storage += key.length + (sessionStorage.getItem(key)?.length ?? 0);
      }
      return { elements: document.getElementsByTagName("*").length, sessionStorage: storage };
    }),
    ms,
    { elements: Number.NaN, sessionStorage: Number.NaN },
  );
  const heapUsed = await within(
    (async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      return (await cdp.send("Runtime.getHeapUsage")).usedSize;
    })(),
    ms,
    Number.NaN,
  );
  return { ...dom, heapUsed };
}

/** The event count the page states, e.g. 20000 for "20,000 events"; null when it states none. */
export async function statedEventCount(page: Page, ms: number): Promise<number | null> {
  return within(
    page.evaluate((selectors) => {
      for (const selector of selectors) {
        const text = document.querySelector(selector)?.textContent ?? "";
        const match = /([\d,]+)\s+events?\b/.exec(text);
        if (match) return Number(match[1]!.replaceAll(",", ""));
      }
      return null;
    }, TIMELINE_SELECTORS.eventCount),
    ms,
    null,
  );
}

/** Long tasks that start at or after `from`: the longest, and how many exceed `over` ms. */
export function longTasksAfter(tasks: readonly [number, number][], from: number, to: number, over = 100) {
  const durations = tasks.filter(([start]) => start >= from && start <= to).map(([, d]) => d);
  return {
    longest: durations.length ? Math.max(...durations) : 0,
    over: durations.filter((d) => d > over).length,
    count: durations.length,
  };
}
