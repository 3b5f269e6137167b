"use client";

import { useState } from "react";
import { formatDuration, formatEventTime } from "../../../_lib/format";
import { useHydrated } from "../../../_lib/use-hydrated";
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

/** The page's address opening the timeline at this event (`?seq=N`). */
const linkTo = (seq: number) => `${window.location.origin}${window.location.pathname}?seq=${seq}`;

function CopyLink({ seq }: { seq: number }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={styles.copyLink}
      aria-label={`Copy link to event ${seq}`}
      data-testid="timeline-copy-link"
      onClick={() =>
        void navigator.clipboard.writeText(linkTo(seq)).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? "Copied" : "Link"}
    </button>
  );
}

interface TimelineEventRowProps {
  entry: TimelineEvent;
  highlighted?: boolean;
  /** Within a step: drawn indented under its summary row. */
  inStep?: boolean;
  rowKey?: string;
}

/** One event: seq, type, what it is about, when, and how long after the previous one; then its data, if any. */
export function TimelineEventRow({ entry, highlighted = false, inStep = false, rowKey }: TimelineEventRowProps) {
  const { event, sincePrevious } = entry;
  const hydrated = useHydrated();
  return (
    <li
      className={`${styles.event} ${inStep ? styles.inStep : styles.topLevel}`}
      data-row-key={rowKey}
      data-testid="timeline-row"
      data-seq={event.seq}
      data-type={event.type}
      data-highlighted={highlighted || undefined}
    >
      <a className={styles.seq} href={`?seq=${event.seq}`} title="Open the timeline at this event">
        #{event.seq}
      </a>
      <span className={styles.type}>{event.type}</span>
      <Detail event={event} />
      <time className={styles.ts} dateTime={new Date(event.ts).toISOString()}>
        {hydrated ? formatEventTime(event.ts) : null}
      </time>
      <span className={styles.delta} title="Time since the previous event">
        {sincePrevious === null ? "" : `+${formatDuration(sincePrevious)}`}
      </span>
      {event.data ? <EventData data={event.data} /> : null}
      <CopyLink seq={event.seq} />
    </li>
  );
}
