/** Options every postgres.js client of the server shares (pool, LISTEN connection, migrations). */
export const connectionOptions = {
  onnotice: () => {},
  // A database that does not answer a connect within this long is reported unavailable, not waited on.
  connect_timeout: 5,
  backoff: reconnectBackoffSeconds,
};

/**
 * Seconds before reconnecting after a connection closed during start-up. postgres.js's default
 * grows to 20 s and its retry count is never reset (upstream porsager/postgres#1193), so after a
 * few outages every reconnect waited ~20 s, past any deadline; capped at 1 s, connections come
 * back within a second or two of the database.
 */
export function reconnectBackoffSeconds(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2);
}
