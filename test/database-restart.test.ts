import { randomUUID } from "node:crypto";
import { eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runs } from "../src/db/schema";
import { awaitCondition, awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs } from "./support/fixture";
import { useServerBehindProxy } from "./support/server-behind-proxy";

const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);
const OUTAGES = 3;
// Longer than REQUEST_DEADLINE_MS (5 s): a call that waits for a connection rather than failing
// at once still answers 503 within the outage, so every outage shows one.
const OUTAGE_MS = 6_000;
// What a call may take during an outage: REQUEST_DEADLINE_MS (5 s) and a little slack.
const ANSWER_WITHIN_MS = 6_500;
const LEASE_MS = 3_000;

interface Attempt {
  key: string;
  status: number | "no answer";
  ms: number;
}

describe.runIf(hasPostgres)("Postgres restarts under load", () => {
  const setup = useServerBehindProxy({
    LISTENER_CHECK_MS: "300",
    HEARTBEAT_MS: "300",
    LEASE_MS: String(LEASE_MS),
  });

  /** One raw run.start over HTTP with a fixed requestKey: its status and how long it took. */
  async function startOnce(key: string): Promise<Attempt> {
    const began = Date.now();
    try {
      const response = await fetch(`${setup().server.url}/api/trpc/run.start`, {
        method: "POST",
        headers: { authorization: `Bearer ${setup().server.token}`, "content-type": "application/json" },
        body: JSON.stringify({ stepDelayMs: 0, requestKey: key }),
        signal: AbortSignal.timeout(20_000),
      });
      await response.text();
      return { key, status: response.status, ms: Date.now() - began };
    } catch {
      return { key, status: "no answer", ms: Date.now() - began };
    }
  }

  it(`answers every call within seconds, never exits, loses nothing and starts nothing twice (${OUTAGES} restarts)`, async () => {
    const { trpc } = setup().server.client();
    const attempts: Attempt[] = [];
    const keys: string[] = [];
    const streams: { runId: string; stream: ReturnType<typeof subscribeEvents> }[] = [];

    for (let outage = 0; outage < OUTAGES; outage++) {
      // Runs in flight whose nodes span the outage, watched live.
      for (const _ of [1, 2]) {
        const run = await trpc.run.start.mutate({ stepDelayMs: 1_500 });
        const stream = subscribeEvents(trpc, { runId: run.id });
        // Attached before the outage (a subscription opened during one is refused with 503).
        await awaitEvents(stream, (events) => events.length >= 1, "the stream's first event");
        streams.push({ runId: run.id, stream });
      }
      // Clients that keep starting runs through the outage, retrying each start with its key.
      let outageOver = false;
      const load = Array.from({ length: 3 }, async () => {
        while (!outageOver) {
          const key = randomUUID();
          keys.push(key);
          for (;;) {
            const attempt = await startOnce(key);
            attempts.push(attempt);
            if (attempt.status === 200) break;
          }
        }
      });
      setup().proxy.restarting();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      setup().proxy.up();
      outageOver = true;
      await Promise.all(load);
      // The server is still the same process and serves again.
      expect((await fetch(`${setup().server.url}/healthz`)).status).toBe(200);
    }

    for (const attempt of attempts) {
      expect(attempt.status === 200 || attempt.status === 503, `${JSON.stringify(attempt)}`).toBe(true);
      expect(attempt.ms, `${JSON.stringify(attempt)}`).toBeLessThan(ANSWER_WITHIN_MS);
    }
    expect(attempts.some((attempt) => attempt.status === 503)).toBe(true);

    // Every stream ends, contiguous, exactly once per seq.
    for (const { stream } of streams) {
      const events = await awaitStreamCompletion(stream, 30_000);
      expect(seqs(events)).toEqual(range(1, events.length));
    }
    // No run is left running past its lease, and no key started two runs.
    const { db } = setup().database.open();
    await awaitCondition(async () => {
      const [row] = await db
        .select({ active: sql<number>`count(*)::int` })
        .from(runs)
        .where(inArray(runs.status, ["queued", "running"]));
      return row!.active === 0;
    }, "every run to be finished");
    for (const key of keys) {
      expect(await db.select({ id: runs.id }).from(runs).where(eq(runs.requestKey, key))).toHaveLength(1);
    }
    expect(setup().server.logs.some((line) => line.includes("uncaught"))).toBe(false);
  }, 120_000);
});
