import type { RunStatus } from "../../../_trpc/types";
import type { Timeline } from "../_lib/timeline-model";
import styles from "./step-progress.module.css";

export function StepProgress({ timeline, status }: { timeline: Timeline; status: RunStatus }) {
  const { stepsDone, steps, currentStep } = timeline;
  const summary = `${stepsDone} of ${steps.length} steps done`;
  return (
    <div className={styles.progress}>
      <div className={styles.label}>
        <span>{summary}</span>
        {currentStep?.state === "running" ? <span className="muted">Now: {currentStep.name}</span> : null}
      </div>
      <div
        role="progressbar"
        aria-label="Steps done"
        aria-valuemin={0}
        aria-valuemax={steps.length}
        aria-valuenow={stepsDone}
        aria-valuetext={summary}
        className={styles.track}
        data-status={status}
      >
        {steps.map((step) => (
          <span key={step.name} className={styles.segment} data-state={step.state} />
        ))}
      </div>
    </div>
  );
}
