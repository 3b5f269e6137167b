import { formatDuration } from "../../../_lib/format";
import type { RunEvent, RunStatus } from "../../../_trpc/types";
import type { StepsOverview } from "../_lib/step-overview";
import styles from "./outcome.module.css";

/** The reasons the server writes on RunFinished, in words, with the step the run ended in. */
function explain(reason: string, step: string | undefined): string {
  const during = step ? ` during ${step}` : "";
  if (reason === "user_cancelled") return `Cancelled by a user${during}`;
  if (reason === "executor_lost") return `The server running it stopped${during}`;
  if (reason.startsWith("timeout:")) return `Step ${reason.slice("timeout:".length)} ran past its time limit`;
  if (reason.startsWith("error:")) return `Error${during}: ${reason.slice("error:".length)}`;
  return `${reason}${during}`;
}

const titles: Record<RunStatus, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Run succeeded",
  failed: "Run failed",
  cancelled: "Run cancelled",
};

interface OutcomeProps {
  status: RunStatus;
  finish: RunEvent | undefined;
  timeline: StepsOverview;
  durationMs: number | null;
}

/** The end of a finished run, impossible to miss: what happened, why, and where. */
export function Outcome({ status, finish, timeline, durationMs }: OutcomeProps) {
  const { stepsDone, steps, currentStep } = timeline;
  const explanation = finish?.reason ? `${explain(finish.reason, currentStep?.name)}. ` : "";
  return (
    <section className={styles.outcome} data-status={status} aria-label="Outcome">
      <span className={styles.icon} aria-hidden="true">
        {status === "succeeded" ? "✓" : status === "cancelled" ? "■" : "!"}
      </span>
      <div className={styles.text}>
        <h2 className={styles.title}>{titles[status]}</h2>
        <p className={styles.detail}>
          {explanation}
          {stepsDone} of {steps.length} steps done{durationMs !== null ? ` in ${formatDuration(durationMs)}` : ""}.
        </p>
      </div>
      {finish?.reason ? <code className={styles.reason}>{finish.reason}</code> : null}
    </section>
  );
}
