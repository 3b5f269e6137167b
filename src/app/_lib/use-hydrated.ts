import { useSyncExternalStore } from "react";

const neverChanges = () => () => {};

/**
 * False while the server renders a page and while the browser hydrates that HTML, true after (and
 * at once for what renders in the browser only). What differs between the two — the visitor's
 * time zone and locale, the clock — waits for it, so hydration finds the markup it expects.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    neverChanges,
    () => true,
    () => false,
  );
}
