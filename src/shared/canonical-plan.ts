/** The canonical crawl plan's name on the wire: the plan run.start runs when none is given. */
export const CANONICAL_PLAN = "canonical";

/**
 * The canonical crawl plan's steps, in order: the one place they are named. The server's plan
 * runs a node per step; the pages and the CLI show progress against them.
 */
export const CANONICAL_STEPS = ["EnsureDevice", "Warmup", "OpenApp", "Ping", "Teardown"] as const;

export type CanonicalStep = (typeof CANONICAL_STEPS)[number];
