import { formatDuration } from "../../../_lib/format";
import { useNow } from "../../../_lib/use-now";
import type { Step, StepState } from "../_lib/timeline-model";
import styles from "./timeline.module.css";
import { TimelineEventRow } from "./timeline-event";

const stateLabels: Record<StepState, string> = {
  pending: "Waiting",
  running: "Running",
  done: "Done",
  interrupted: "Stopped",
  skipped: "Not run",
};

function StepDuration({ step }: { step: Step }) {
  const now = useNow(step.state === "running");
  if (step.startedAt === null) return null;
  if (step.finishedAt !== null) return <>{formatDuration(step.finishedAt - step.startedAt)}</>;
  return step.state === "running" ? <>{formatDuration(now - step.startedAt)}</> : null;
}

/** A step of the plan with the events it produced, its state and how long it took (or is taking). */
export function TimelineStep({ step, highlighted }: { step: Step; highlighted: ReadonlySet<number> }) {
  return (
    <li className={styles.step} data-state={step.state} aria-label={`Step ${step.name}: ${stateLabels[step.state]}`}>
      <div className={styles.stepHeader}>
        <span className={styles.marker} aria-hidden="true" />
        <span className={styles.stepName}>{step.name}</span>
        <span className={styles.stepState}>{stateLabels[step.state]}</span>
        <span className={styles.stepDuration}>
          <StepDuration step={step} />
        </span>
      </div>
      {step.events.length > 0 ? (
        <ol className={styles.events}>
          {step.events.map((entry) => (
            <TimelineEventRow key={entry.event.seq} entry={entry} highlighted={highlighted.has(entry.event.seq)} />
          ))}
        </ol>
      ) : null}
    </li>
  );
}
