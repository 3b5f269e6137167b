import type { ReactNode } from "react";
import { formatCount, formatDuration } from "../../../_lib/format";
import { useNow } from "../../../_lib/use-now";
import type { StepState } from "../_lib/timeline-model";
import type { StepRow } from "../_lib/timeline-rows";
import styles from "./timeline.module.css";

const stateLabels: Record<StepState, string> = {
  pending: "Waiting",
  running: "Running",
  done: "Done",
  interrupted: "Stopped",
  skipped: "Not run",
};

function StepDuration({ step }: { step: StepRow }) {
  const now = useNow(step.state === "running");
  if (step.startedAt === null) return null;
  if (step.finishedAt !== null) return <>{formatDuration(step.finishedAt - step.startedAt)}</>;
  return step.state === "running" && now !== null ? <>{formatDuration(now - step.startedAt)}</> : null;
}

interface TimelineStepProps {
  step: StepRow;
  rowKey: string;
  /** The summary row is in view (else only some of the step's events are). */
  showHeader: boolean;
  onToggle: (name: string, expanded: boolean) => void;
  /** The step's events in view. */
  children: ReactNode;
}

/**
 * A step of the plan: a summary row (its state, how long it took or is taking, its events' count)
 * that opens to show its events below it.
 */
export function TimelineStep({ step, rowKey, showHeader, onToggle, children }: TimelineStepProps) {
  return (
    <li
      className={styles.step}
      data-state={step.state}
      data-testid="timeline-step"
      data-step={step.name}
      aria-label={`Step ${step.name}: ${stateLabels[step.state]}`}
    >
      {showHeader ? <StepHeader step={step} rowKey={rowKey} onToggle={onToggle} /> : null}
      {children ? <ol className={styles.events}>{children}</ol> : null}
    </li>
  );
}

function StepHeader({ step, rowKey, onToggle }: Omit<TimelineStepProps, "showHeader" | "children">) {
  return (
    <div className={styles.stepHeader} data-row-key={rowKey}>
      <span className={styles.marker} aria-hidden="true" />
      <span className={styles.stepName}>{step.name}</span>
      <span className={styles.stepState}>{stateLabels[step.state]}</span>
      <span className={styles.stepDuration}>
        <StepDuration step={step} />
      </span>
      {step.eventCount > 0 ? (
        <button
          type="button"
          className={styles.stepToggle}
          aria-expanded={step.expanded}
          aria-label={`${step.expanded ? "Collapse" : "Expand"} step ${step.name}`}
          onClick={() => onToggle(step.name, !step.expanded)}
        >
          {formatCount(step.eventCount, "event")} {step.expanded ? "▾" : "▸"}
        </button>
      ) : (
        <span />
      )}
    </div>
  );
}
