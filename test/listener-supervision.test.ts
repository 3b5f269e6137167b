// The supervised LISTEN connection (src/db/pg-listener.ts) on real Postgres: a pool queued for many
// times the check interval (thousands of subscribers attaching) does not get the healthy LISTEN
// connection replaced, which would make every subscriber resync; a LISTEN connection that is really
// lost still is replaced.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SupervisedListener } from "../src/db/pg-listener";
import { connectionOptions } from "../src/db/postgres-options";
import { awaitCondition } from "./support/await";
import { createFreshDatabase, type FreshDatabase } from "./support/fresh-database";
import { startTcpProxy } from "./support/tcp-proxy";

const adminUrl = process.env.TEST_DATABASE_URL;
const CHECK_MS = 150;
const CHANNEL = "listener_supervision_test";

describe.runIf(adminUrl)("the supervised LISTEN connection", () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await createFreshDatabase(adminUrl!, "live_runs_test_listener");
  });
  afterAll(() => fresh?.drop());

  /** A pool, a listener on `listenUrl` supervised through it, and what the listener reported. */
  async function listening(listenUrl: string, poolMax: number) {
    const pool = postgres(fresh.url, { ...connectionOptions, max: poolMax });
    const replaced: unknown[] = [];
    const listener = new SupervisedListener(listenUrl, pool, {
      checkMs: CHECK_MS,
      onReconnect: (cause) => replaced.push(cause),
    });
    const received: string[] = [];
    let ready = 0;
    await listener.listen(
      CHANNEL,
      (payload) => received.push(payload),
      () => (ready += 1),
    );
    return {
      pool,
      replaced,
      received,
      ready: () => ready,
      close: async () => {
        await listener.close();
        await pool.end({ timeout: 1 });
      },
    };
  }

  it("is kept while the pool it pings through is queued for many check intervals", async () => {
    const setup = await listening(fresh.url, 1);
    try {
      // One pool connection, held for 10 check intervals by a queue of sleeps: each ping waits its turn.
      const queued = Array.from({ length: 5 }, () => setup.pool`select pg_sleep(${(CHECK_MS * 2) / 1000})`);
      await Promise.all(queued);
      // The pings queued meanwhile go through and are judged; then a few check intervals more.
      await new Promise((resolve) => setTimeout(resolve, CHECK_MS * 4));

      expect(setup.replaced).toEqual([]);
      expect(setup.ready()).toBe(1); // only the first LISTEN: no subscriber was told to resync
      await setup.pool`select pg_notify(${CHANNEL}, 'after the queue')`;
      await awaitCondition(() => setup.received.includes("after the queue"), "the notification after the queue");
    } finally {
      await setup.close();
    }
  });

  it("is replaced when it is really lost, and hears notifications again", async () => {
    const { hostname, port } = new URL(fresh.url);
    const proxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
    const behindProxy = new URL(fresh.url);
    behindProxy.host = `127.0.0.1:${proxy.port}`;
    const setup = await listening(behindProxy.toString(), 2);
    try {
      // The LISTEN connection is cut, and its own reconnect refused for a few check intervals.
      proxy.down();
      await new Promise((resolve) => setTimeout(resolve, CHECK_MS * 4));
      proxy.up();
      await awaitCondition(async () => {
        await setup.pool`select pg_notify(${CHANNEL}, 'back')`;
        return setup.received.includes("back");
      }, "a notification through the replaced LISTEN connection");
      expect(setup.ready()).toBeGreaterThan(1); // subscribers are told to resync after the gap
    } finally {
      await setup.close();
      await proxy.close();
    }
  });
});
