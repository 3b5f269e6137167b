import { formatDuration } from "../../../_lib/format";
import type { RunEvent, RunStatus } from "../../../_trpc/types";
import type { Timeline } from "../_lib/timeline-model";
import styles from "./outcome.module.css";

/** The reasons the server writes on RunFinished, in words. */
function explain(reason: string): string {
  if (reason === "user_cancelled") return "Cancelled by a user";
  if (reason === "executor_lost") return "The server running it stopped before it finished";
  if (reason.startsWith("timeout:")) return `Step ${reason.slice("timeout:".length)} ran past its time limit`;
  if (reason.startsWith("error:")) return `Error: ${reason.slice("error:".length)}`;
  return reason;
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
  timeline: Timeline;
  durationMs: number | null;
}

/** The end of a finished run, impossible to miss: what happened, why, and where. */
export function Outcome({ status, finish, timeline, durationMs }: OutcomeProps) {
  const { stepsDone, steps, currentStep } = timeline;
  const details = [
    finish?.reason ? explain(finish.reason) : null,
    status !== "succeeded" && currentStep ? `during ${currentStep.name}` : null,
  ].filter(Boolean);
  return (
    <section className={styles.outcome} data-status={status} aria-label="Outcome">
      <span className={styles.icon} aria-hidden="true">
        {status === "succeeded" ? "✓" : status === "cancelled" ? "■" : "!"}
      </span>
      <div className={styles.text}>
        <h2 className={styles.title}>{titles[status]}</h2>
        <p className={styles.detail}>
          {details.length > 0 ? `${details.join(" ")}. ` : ""}
          {stepsDone} of {steps.length} steps done{durationMs !== null ? ` in ${formatDuration(durationMs)}` : ""}.
        </p>
      </div>
      {finish?.reason ? <code className={styles.reason}>{finish.reason}</code> : null}
    </section>
  );
}
