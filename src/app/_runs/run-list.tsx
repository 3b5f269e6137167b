"use client";

import { ConnectionIndicator } from "../_components/connection-indicator";
import { Notice, RetryNotice } from "../_components/notice";
import { RunListItem } from "./run-list-item";
import styles from "./run-list.module.css";
import { useLiveRuns } from "./use-live-runs";

function LoadingRows() {
  return (
    <ul className={styles.list} aria-label="Loading runs" aria-busy="true">
      {[0, 1, 2].map((row) => (
        <li key={row} className={styles.item}>
          <span className={`skeleton ${styles.skeletonLine}`} />
        </li>
      ))}
    </ul>
  );
}

/** Loading, error, empty, or the runs with a button for the next page. */
function RunListBody({ list, runs }: Pick<ReturnType<typeof useLiveRuns>, "list" | "runs">) {
  if (list.isPending) return <LoadingRows />;
  if (list.isError)
    return <RetryNotice title="Couldn't load runs" message={list.error.message} onRetry={() => void list.refetch()} />;
  if (runs.length === 0) return <Notice title="No runs yet">Start a run above and it will show up here, live.</Notice>;
  return (
    <>
      <ul className={styles.list} aria-label="Recent runs">
        {runs.map((run) => (
          <RunListItem key={run.id} run={run} />
        ))}
      </ul>
      {list.hasNextPage ? (
        <button
          type="button"
          className={`btn ${styles.more}`}
          onClick={() => void list.fetchNextPage()}
          disabled={list.isFetchingNextPage}
        >
          {list.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </>
  );
}

export function RunList() {
  const { list, runs, connection } = useLiveRuns();
  return (
    <section className="card" aria-labelledby="recent-runs-heading">
      <div className={styles.header}>
        <h2 id="recent-runs-heading" className="card-title">
          Recent runs
        </h2>
        <ConnectionIndicator state={connection} label="Live updates" />
      </div>
      <RunListBody list={list} runs={runs} />
    </section>
  );
}
