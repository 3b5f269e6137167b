import { parseEnv } from "../env";
import { databaseOptionsFromEnv, openDatabase } from "../db/client";
import { createLogger } from "./log";
import { startServer } from "./server";

const env = (() => {
  try {
    return parseEnv(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
})();
const log = createLogger({ level: env.LOG_LEVEL, pretty: env.NODE_ENV === "development" });
const database = openDatabase(databaseOptionsFromEnv(env), log);

const server = await startServer({
  host: env.HOST,
  port: env.PORT,
  database,
  log,
  ...(env.SERVE_PAGES ? { next: { dev: env.NODE_ENV !== "production", dir: process.cwd() } } : {}),
  executor: {
    concurrency: env.EXECUTOR_CONCURRENCY,
    pollMs: env.EXECUTOR_POLL_MS,
    leaseMs: env.LEASE_MS,
    heartbeatMs: env.HEARTBEAT_MS,
    nodeTimeoutMs: env.NODE_TIMEOUT_MS,
  },
  outbox: { pollMs: env.OUTBOX_POLL_MS, batchSize: env.OUTBOX_BATCH_SIZE },
  shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  ownerLimits: { startsPerMinute: env.RUN_STARTS_PER_MINUTE, activeRunsPerOwner: env.ACTIVE_RUNS_PER_OWNER },
  auth: {
    ...(env.SESSION_SECRET ? { sessionSecret: env.SESSION_SECRET } : {}),
    sessionMaxAgeMs: env.SESSION_MAX_AGE_DAYS * 24 * 60 * 60 * 1000,
    allowedOrigins: env.ALLOWED_ORIGINS,
    secureCookies: env.SECURE_COOKIES,
  },
  limits: {
    subscriptionsPerConnection: env.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    socketBufferBytes: env.WS_MAX_BUFFERED_BYTES,
    messageBytes: env.WS_MAX_MESSAGE_BYTES,
  },
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  // `on`, not `once`: a second signal (tsx forwards one too) must not kill the process mid-shutdown.
  process.on(signal, () => {
    log.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
