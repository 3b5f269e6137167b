import type { RunStatus } from "../../../_trpc/types";
import type { StepsOverview } from "../_lib/step-overview";
import styles from "./step-progress.module.css";

/** Past this many steps, one bar filled in proportion stands for them (a segment each would flood the page). */
const MAX_SEGMENTS = 40;

export function StepProgress({ timeline, status }: { timeline: StepsOverview; status: RunStatus }) {
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
        {steps.length <= MAX_SEGMENTS ? (
          steps.map((step) => <span key={step.name} className={styles.segment} data-state={step.state} />)
        ) : (
          <span className={styles.segment}>
            <span
              className={`${styles.segment} ${styles.filled}`}
              data-state="done"
              style={{ width: `${(100 * stepsDone) / steps.length}%` }}
            />
          </span>
        )}
      </div>
    </div>
  );
}
