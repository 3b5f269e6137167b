// What the bench measures inside the page, and how it reads the browser's own counters.
import type { CDPSession, Page } from "@playwright/test";

/** The probe's record of one document (times are performance.now(): ms since its navigation began). */
export interface ProbeState {
  /** Every task of 50 ms or more: [start, duration]. */
  longTasks: [number, number][];
  /** When the first screen of the graph was in the DOM. */
  firstScreenAt: number | null;
  /** When the page had everything: RunFinished in the timeline and `screens` screens in the graph. */
  doneAt: number | null;
  /** The first frame after doneAt was painted (rAF, then a task after it). */
  shownAt: number | null;
  /** [time, screens in the graph] at every change of that number. */
  screenCounts: [number, number][];
}

declare global {
  interface Window {
    __bench?: ProbeState;
  }
}

/**
 * Runs in the page before any of its scripts (an init script): records long tasks, and, after every
 * batch of DOM changes, how many screens the graph shows and whether the run is shown finished.
 */
function installProbe({ screens }: { screens: number }): void {
  const state: ProbeState = { longTasks: [], firstScreenAt: null, doneAt: null, shownAt: null, screenCounts: [] };
  window.__bench = state;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) state.longTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: "longtask", buffered: true });
  let last = -1;
  const observer = new MutationObserver(() => {
    if (state.doneAt !== null) return;
    const now = performance.now();
    const shown = document.querySelectorAll("g[data-url]").length;
    if (shown !== last) {
      last = shown;
      state.screenCounts.push([now, shown]);
      if (shown > 0 && state.firstScreenAt === null) state.firstScreenAt = now;
    }
    if (shown >= screens && document.querySelector('[data-type="RunFinished"]')) {
      state.doneAt = now;
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => (state.shownAt = performance.now()), 0));
    }
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

/** Installs the probe on every document the page loads from now on (navigations and reloads). */
export async function addProbe(page: Page, screens: number): Promise<void> {
  await page.addInitScript(installProbe, { screens });
}

/** Waits until the probe saw the run shown finished (and the frame after it), then returns its record. */
export async function waitUntilShown(page: Page, timeoutMs: number): Promise<ProbeState> {
  try {
    await page.waitForFunction(() => window.__bench?.shownAt != null, undefined, { timeout: timeoutMs, polling: 100 });
  } catch (error) {
    const seen = await page.evaluate(() => window.__bench?.screenCounts.at(-1)?.[1]).catch(() => undefined);
    throw new Error(`${page.url()} did not show the run finished (${seen ?? 0} screens in the graph)`, {
      cause: error,
    });
  }
  return page.evaluate(() => window.__bench!);
}

export interface PageCounters {
  /** Elements in the document. */
  elements: number;
  /** Of which in the screen graph's SVG. */
  svgElements: number;
  /** JS heap used after a full garbage collection, bytes (CDP Runtime.getHeapUsage). */
  heapUsed: number;
}

export async function pageCounters(page: Page, cdp: CDPSession): Promise<PageCounters> {
  const { elements, svgElements } = await page.evaluate(() => ({
    elements: document.getElementsByTagName("*").length,
    svgElements: document.querySelector("svg[role=group]")?.getElementsByTagName("*").length ?? 0,
  }));
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  return { elements, svgElements, heapUsed: usedSize };
}

/** Main-thread time of the current document so far, ms (CDP Performance metrics; they start over with each document). */
export async function mainThreadMs(cdp: CDPSession): Promise<{ task: number; script: number; layout: number }> {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const get = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return {
    task: get("TaskDuration"),
    script: get("ScriptDuration"),
    layout: get("LayoutDuration") + get("RecalcStyleDuration"),
  };
}

/** Long tasks that overlap [from, to]: how many, the longest, and total blocking time (Σ duration − 50). */
export function longTaskSummary(tasks: readonly [number, number][], from = 0, to = Infinity) {
  const inWindow = tasks
    .filter(([start, duration]) => start + duration >= from && start <= to)
    .map(([, duration]) => duration);
  return {
    count: inWindow.length,
    longest: inWindow.length ? Math.max(...inWindow) : 0,
    blocking: inWindow.reduce((sum, duration) => sum + Math.max(0, duration - 50), 0),
  };
}
