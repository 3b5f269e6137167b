import type { ConnectionState } from "../_lib/use-connection-state";
import styles from "./connection-indicator.module.css";

const labels: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  ended: "Ended",
  offline: "Disconnected",
};

export function ConnectionIndicator({ state, label = "Connection" }: { state: ConnectionState; label?: string }) {
  return (
    <span role="status" aria-label={label} className={styles.indicator} data-state={state}>
      <span className={styles.dot} aria-hidden="true" />
      {labels[state]}
    </span>
  );
}
