import { formatDuration, formatEventTime } from "../../../_lib/format";
import type { RunEvent } from "../../../_trpc/types";
import type { TimelineEvent } from "../_lib/timeline-model";
import styles from "./timeline.module.css";

function detailOf(event: RunEvent): string {
  if (event.type === "DebugTrace") return event.fn ?? "";
  if (event.type === "RunFinished") return [event.status, event.reason].filter(Boolean).join(" · ");
  return event.name ?? "";
}

/** One event: seq, type, what it is about, when, and how long after the previous one. */
export function TimelineEventRow({ entry }: { entry: TimelineEvent }) {
  const { event, sincePrevious } = entry;
  return (
    <li className={styles.event} data-seq={event.seq} data-type={event.type}>
      <span className={styles.seq}>#{event.seq}</span>
      <span className={styles.type}>{event.type}</span>
      <span className={styles.detail}>{detailOf(event)}</span>
      <time className={styles.ts} dateTime={new Date(event.ts).toISOString()}>
        {formatEventTime(event.ts)}
      </time>
      <span className={styles.delta} title="Time since the previous event">
        {sincePrevious === null ? "" : `+${formatDuration(sincePrevious)}`}
      </span>
    </li>
  );
}
