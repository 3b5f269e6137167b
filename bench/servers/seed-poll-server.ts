// Bench-only variant of src/server/main.ts with the seed's outbox design: the outbox is never woken
// by local appends and instead polls every SEED_OUTBOX_POLL_MS (default 25 ms). Everything else is
// the real server, so the latency bench isolates what the wake-on-append outbox is worth.
import { parseEnv } from "../../src/env";
import { databaseOptionsFromEnv, openDatabase } from "../../src/db/client";
import { createLogger } from "../../src/server/log";
import { OutboxPoller } from "../../src/server/outbox/poller";
import { startServer } from "../../src/server/server";

const env = parseEnv(process.env);
const pollMs = Number(process.env.SEED_OUTBOX_POLL_MS ?? 25);
const log = createLogger({ level: env.LOG_LEVEL, pretty: false });
const server = await startServer({
  host: env.HOST,
  port: env.PORT,
  database: openDatabase(databaseOptionsFromEnv(env), log),
  log,
  executor: {
    concurrency: env.EXECUTOR_CONCURRENCY,
    pollMs: env.EXECUTOR_POLL_MS,
    leaseMs: env.LEASE_MS,
    heartbeatMs: env.HEARTBEAT_MS,
    nodeTimeoutMs: env.NODE_TIMEOUT_MS,
  },
  outbox: { pollMs: env.OUTBOX_POLL_MS, batchSize: env.OUTBOX_BATCH_SIZE },
  shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  limits: {
    subscriptionsPerConnection: env.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    socketBufferBytes: env.WS_MAX_BUFFERED_BYTES,
    messageBytes: env.WS_MAX_MESSAGE_BYTES,
  },
});

// Every wake-up path (after an append, after run.start, the backstop timer) goes through wake():
// silence it on this instance and drive a publish cycle from a fixed timer instead.
const outbox = server.services.outbox;
const publishCycle = OutboxPoller.prototype.wake.bind(outbox);
outbox.wake = () => {};
const timer = setInterval(publishCycle, pollMs);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    clearInterval(timer);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
