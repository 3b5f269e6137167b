import { useEffect, useRef, useState } from "react";

// A hidden tab gets no animation frames: its events are flushed on a timer instead.
const HIDDEN_FLUSH_MS = 250;

/**
 * Collects what arrives between two frames and hands it over once per frame, so a backfill or a
 * chatty run renders a few times a second rather than once per WebSocket message.
 */
export function useFrameBatch<T>(flush: (items: T[]) => void): { add(item: T): void } {
  const latestFlush = useRef(flush);
  useEffect(() => {
    latestFlush.current = flush;
  });
  const [batch] = useState(() => {
    let queued: T[] = [];
    let scheduled = false;
    const deliver = () => {
      if (!scheduled) return;
      scheduled = false;
      const items = queued;
      queued = [];
      latestFlush.current(items);
    };
    return {
      add(item: T) {
        queued.push(item);
        if (scheduled) return;
        scheduled = true;
        requestAnimationFrame(deliver);
        setTimeout(deliver, HIDDEN_FLUSH_MS);
      },
    };
  });
  return batch;
}
