"use client";

import { useState } from "react";
import type { RunEvent } from "../../../_trpc/types";
import styles from "./raw-events.module.css";

/**
 * The events exactly as the API sent them, for debugging and bug reports: rendered only while
 * opened (a long run's JSON is large), and downloadable whole from the server as NDJSON.
 */
export function RawEvents({ runId, events }: { runId: string; events: readonly RunEvent[] }) {
  const [open, setOpen] = useState(false);
  return (
    <details className={`card ${styles.raw}`} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary className={styles.summary}>Raw events (JSON)</summary>
      <p className={styles.download}>
        <a href={`/api/runs/${runId}/events.ndjson`} download>
          Download all events (NDJSON)
        </a>
      </p>
      {open ? (
        <pre className={styles.json} aria-label="Raw events">
          {JSON.stringify(events, null, 2)}
        </pre>
      ) : null}
    </details>
  );
}
