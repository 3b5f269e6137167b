"use client";

import { ConnectionIndicator } from "../_components/connection-indicator";
import { Notice } from "../_components/notice";
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

export function RunList() {
  const { list, runs, connection } = useLiveRuns();

  let body;
  if (list.isPending) body = <LoadingRows />;
  else if (list.isError)
    body = (
      <Notice
        tone="error"
        title="Couldn't load runs"
        action={
          <button type="button" className="btn" onClick={() => void list.refetch()}>
            Try again
          </button>
        }
      >
        {list.error.message}
      </Notice>
    );
  else if (runs.length === 0)
    body = <Notice title="No runs yet">Start a run above and it will show up here, live.</Notice>;
  else
    body = (
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

  return (
    <section className="card" aria-labelledby="recent-runs-heading">
      <div className={styles.header}>
        <h2 id="recent-runs-heading" className="card-title">
          Recent runs
        </h2>
        <ConnectionIndicator state={connection} label="Live updates" />
      </div>
      {body}
    </section>
  );
}
