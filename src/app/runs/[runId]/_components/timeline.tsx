import { formatCount } from "../../../_lib/format";
import type { RunStatus } from "../../../_trpc/types";
import type { Timeline as TimelineModel } from "../_lib/timeline-model";
import styles from "./timeline.module.css";
import { TimelineEventRow } from "./timeline-event";
import { TimelineStep } from "./timeline-step";

interface TimelineProps {
  timeline: TimelineModel;
  eventCount: number;
  status: RunStatus;
  /** Events to mark, e.g. those about the screen selected in the graph. */
  highlighted?: ReadonlySet<number>;
}

const NONE: ReadonlySet<number> = new Set();

export function Timeline({ timeline, eventCount, status, highlighted = NONE }: TimelineProps) {
  return (
    <section className="card" aria-labelledby="timeline-heading">
      <div className={styles.heading}>
        <h2 id="timeline-heading" className="card-title">
          Timeline
        </h2>
        <span className="muted">{formatCount(eventCount, "event")}</span>
      </div>
      <ol className={styles.timeline} aria-label="Timeline" data-status={status}>
        {timeline.items.map((item) =>
          item.kind === "event" ? (
            <TimelineEventRow
              key={`event-${item.entry.event.seq}`}
              entry={item.entry}
              highlighted={highlighted.has(item.entry.event.seq)}
            />
          ) : (
            <TimelineStep key={`step-${item.step.name}`} step={item.step} highlighted={highlighted} />
          ),
        )}
      </ol>
    </section>
  );
}
