import { formatDuration, formatEventTime } from "../../../_lib/format";
import type { RunEvent } from "../../../_trpc/types";
import { compactJson, eventDetail, retryAttempt } from "../_lib/event-labels";
import type { TimelineEvent } from "../_lib/timeline-model";
import styles from "./timeline.module.css";

/** An event's data (a node's result, a trace's details): one line, opened for the whole JSON. */
function EventData({ data }: { data: Record<string, unknown> }) {
  return (
    <details className={styles.data}>
      <summary className={styles.dataSummary}>
        <span className={styles.dataLabel}>data</span> <code className={styles.dataPreview}>{compactJson(data)}</code>
      </summary>
      <pre className={styles.dataJson}>{JSON.stringify(data, null, 2)}</pre>
    </details>
  );
}

function Detail({ event }: { event: RunEvent }) {
  const attempt = retryAttempt(event);
  return (
    <span className={styles.detail}>
      {eventDetail(event)}
      {attempt !== null ? <span className={styles.attempt}> attempt {attempt}</span> : null}
    </span>
  );
}

/** One event: seq, type, what it is about, when, and how long after the previous one; then its data, if any. */
export function TimelineEventRow({ entry, highlighted = false }: { entry: TimelineEvent; highlighted?: boolean }) {
  const { event, sincePrevious } = entry;
  return (
    <li
      className={styles.event}
      data-seq={event.seq}
      data-type={event.type}
      data-highlighted={highlighted || undefined}
    >
      <span className={styles.seq}>#{event.seq}</span>
      <span className={styles.type}>{event.type}</span>
      <Detail event={event} />
      <time className={styles.ts} dateTime={new Date(event.ts).toISOString()}>
        {formatEventTime(event.ts)}
      </time>
      <span className={styles.delta} title="Time since the previous event">
        {sincePrevious === null ? "" : `+${formatDuration(sincePrevious)}`}
      </span>
      {event.data ? <EventData data={event.data} /> : null}
    </li>
  );
}
