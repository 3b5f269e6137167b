/**
 * Settings the specs rely on, passed to the server under test by playwright.config.ts.
 * A step running longer than NODE_TIMEOUT_MS fails its run with `timeout:<step>`: the failure
 * spec uses a longer step delay; every other spec stays well below it.
 */
export const NODE_TIMEOUT_MS = 6_000;
