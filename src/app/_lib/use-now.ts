import { useEffect, useState } from "react";
import { useHydrated } from "./use-hydrated";

// Elapsed times show tenths of a second.
const TICK_MS = 100;

/** The current time, re-read every tick while `ticking` (for elapsed-time displays); null until hydrated. */
export function useNow(ticking: boolean): number | null {
  const hydrated = useHydrated();
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [ticking]);
  return hydrated ? now : null;
}
