import type { RunEvent } from "../../../_trpc/types";
import styles from "./raw-events.module.css";

/** The events exactly as the API sent them, for debugging and bug reports. */
export function RawEvents({ events }: { events: readonly RunEvent[] }) {
  return (
    <details className={`card ${styles.raw}`}>
      <summary className={styles.summary}>Raw events (JSON)</summary>
      <pre className={styles.json} aria-label="Raw events">
        {JSON.stringify(events, null, 2)}
      </pre>
    </details>
  );
}
