"use client";

import { useEffect, useState } from "react";
import type { EventFilter } from "../_lib/use-filtered-events";
import styles from "./timeline.module.css";

const EVENT_TYPES = ["RunStarted", "NodeStarted", "NodeFinished", "DebugTrace", "RunResumed", "RunFinished"];
/** Typing settles this long before the search runs. */
const TEXT_SETTLE_MS = 300;
const TEXT_MAX = 200;

/** Find in the run: one event type and a text, applied by the server to the whole run. */
export function TimelineFilter({ onChange }: { onChange: (filter: EventFilter) => void }) {
  const [type, setType] = useState<string | null>(null);
  const [text, setText] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => onChange({ type, text }), TEXT_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [type, text, onChange]);
  return (
    <div className={styles.filter} role="search" aria-label="Filter events">
      <select
        aria-label="Event type"
        data-testid="timeline-filter-type"
        value={type ?? ""}
        onChange={(event) => setType(event.target.value || null)}
      >
        <option value="">All types</option>
        {EVENT_TYPES.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <input
        type="search"
        aria-label="Find in events"
        placeholder="Find in events"
        data-testid="timeline-filter-text"
        maxLength={TEXT_MAX}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
    </div>
  );
}
