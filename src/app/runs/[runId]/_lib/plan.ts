/**
 * The canonical crawl plan's steps, in order, so the page can show the steps still to come.
 * Mirrors src/server/executor/plan.ts, which pages may not import at runtime; steps a run
 * reports that are not listed here are shown as they arrive.
 */
export const PLANNED_STEPS: readonly string[] = ["EnsureDevice", "Warmup", "OpenApp", "Ping", "Teardown"];
