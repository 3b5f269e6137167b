import Link from "next/link";
import { CANONICAL_PLAN } from "../../shared/canonical-plan";
import { StatusBadge } from "../_components/status-badge";
import { formatCount, formatRunTime } from "../_lib/format";
import type { Run } from "../_trpc/types";
import styles from "./run-list.module.css";

function RunTime({ label, iso }: { label: string; iso: string | null }) {
  return (
    <div className={styles.time}>
      <dt>{label}</dt>
      <dd>{iso ? <time dateTime={iso}>{formatRunTime(iso)}</time> : "—"}</dd>
    </div>
  );
}

/** A canonical run is named by the app it crawls; another plan's run by its plan (and its target, if any). */
function runName(run: Run): string {
  if (run.plan === CANONICAL_PLAN) return run.appPath;
  return run.appPath === "/" ? run.plan : `${run.plan} · ${run.appPath}`;
}

export function RunListItem({ run }: { run: Run }) {
  return (
    <li className={styles.item}>
      <div className={styles.status}>
        <StatusBadge status={run.status} />
      </div>
      <Link href={`/runs/${run.id}`} className={styles.title}>
        <span className={styles.appPath}>{runName(run)}</span>
        <span className={`mono ${styles.runId}`}>{run.id.slice(0, 8)}</span>
      </Link>
      <dl className={styles.times}>
        <RunTime label="Created" iso={run.createdAt} />
        <RunTime label="Started" iso={run.startedAt} />
        <RunTime label="Finished" iso={run.finishedAt} />
      </dl>
      <span className={styles.count}>{formatCount(run.lastSeq, "event")}</span>
    </li>
  );
}
