import Link from "next/link";
import { Notice } from "../../../_components/notice";
import styles from "./run-not-found.module.css";

/** `runId` absent: the link was not a run id at all. */
export function RunNotFound({ runId }: { runId?: string }) {
  return (
    <Notice
      title="Run not found"
      action={
        <Link href="/" className="btn">
          Back to all runs
        </Link>
      }
    >
      {runId ? (
        <>
          There is no run with the id
          <code className={styles.runId}>{runId}</code>
          Check the link, or pick a run from the list.
        </>
      ) : (
        "That link does not point to a run. Pick a run from the list."
      )}
    </Notice>
  );
}
