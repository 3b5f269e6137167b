import Link from "next/link";
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

export function RunListItem({ run }: { run: Run }) {
  return (
    <li className={styles.item}>
      <div className={styles.status}>
        <StatusBadge status={run.status} />
      </div>
      <Link href={`/runs/${run.id}`} className={styles.title}>
        <span className={styles.appPath}>{run.appPath}</span>
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
