import Link from "next/link";
import { CANONICAL_PLAN } from "../../../../shared/canonical-plan";
import { isActive } from "../../../../shared/run-status";
import { ConnectionIndicator } from "../../../_components/connection-indicator";
import { StatusBadge } from "../../../_components/status-badge";
import { formatDuration, formatRunTime } from "../../../_lib/format";
import { useHydrated } from "../../../_lib/use-hydrated";
import type { ConnectionState } from "../../../_lib/use-connection-state";
import type { PlanInfo, Run, RunStatus } from "../../../_trpc/types";
import type { StepsOverview } from "../_lib/step-overview";
import { CancelButton } from "./cancel-button";
import { Elapsed } from "./elapsed";
import styles from "./run-header.module.css";
import { StepProgress } from "./step-progress";

interface RunHeaderProps {
  run: Run;
  /** The run's plan as run.plans describes it; undefined when the server did not. */
  plan: PlanInfo | undefined;
  status: RunStatus;
  startedAt: number | null;
  finishedAt: number | null;
  steps: StepsOverview;
  connection: ConnectionState;
  onReconnect: () => void;
}

export function RunHeader({
  run,
  plan,
  status,
  startedAt,
  finishedAt,
  steps,
  connection,
  onReconnect,
}: RunHeaderProps) {
  // A canonical run is named by the app it crawls; another plan's run by the plan (and its target, if any).
  const canonical = run.plan === CANONICAL_PLAN;
  const hydrated = useHydrated();
  const title = canonical ? run.appPath : (plan?.title ?? run.plan);
  return (
    <section className={`card ${styles.header}`} aria-labelledby="run-title">
      <Link href="/" className={styles.back}>
        ← All runs
      </Link>
      <div className={styles.top}>
        <div className={styles.identity}>
          <h1 id="run-title" className={styles.title}>
            {title}
          </h1>
          {!canonical && run.appPath !== "/" ? <p className={styles.target}>{run.appPath}</p> : null}
          <p className={styles.runId}>
            Run <span className="mono">{run.id}</span>
          </p>
        </div>
        <div className={styles.actions}>
          <span role="status" aria-label="Run status">
            <StatusBadge status={status} />
          </span>
          {isActive(status) ? <CancelButton runId={run.id} /> : null}
        </div>
      </div>
      <dl className={styles.meta}>
        <div>
          <dt>Elapsed</dt>
          <dd>
            <Elapsed startedAt={startedAt} finishedAt={finishedAt} />
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={run.createdAt}>{hydrated ? formatRunTime(run.createdAt) : null}</time>
          </dd>
        </div>
        {canonical ? (
          <div>
            <dt>Step delay</dt>
            <dd>{formatDuration(run.stepDelayMs)}</dd>
          </div>
        ) : (
          <div>
            <dt>Plan</dt>
            <dd className="mono">{run.plan}</dd>
          </div>
        )}
        <div>
          <dt>Connection</dt>
          <dd className={styles.connection} data-testid="run-connection" data-state={connection}>
            <ConnectionIndicator state={connection} />
            {connection === "offline" ? (
              <button type="button" className={styles.reconnect} onClick={onReconnect}>
                Reconnect
              </button>
            ) : null}
          </dd>
        </div>
      </dl>
      <StepProgress timeline={steps} status={status} />
    </section>
  );
}
