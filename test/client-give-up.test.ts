import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunsClient } from "@live-runs/client";
import { freeEphemeralPort } from "./support/spawn-server";
import { awaitEvents, subscribeEvents } from "./support/await";
import { runTs } from "./support/run-command";
import { createTestDatabase, type TestDatabase } from "./support/test-database";
import { startTestServer } from "./support/test-server";

/** What a subscription ended with: its error's message, or "completed". */
function outcomeOf(subscribe: (handlers: { onError(error: Error): void; onComplete(): void }) => void) {
  return new Promise<string>((resolve) =>
    subscribe({ onError: (error) => resolve(error.message), onComplete: () => resolve("completed") }),
  );
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe("giving up on an unreachable server", () => {
  it("a subscription fails after connectTimeoutMs when the server never answers", async () => {
    const url = `http://127.0.0.1:${await freeEphemeralPort()}`;
    const client = createRunsClient({ url, connectTimeoutMs: 500, retryDelayMs: () => 100 });
    const startedAt = Date.now();
    const outcome = await outcomeOf((handlers) =>
      client.trpc.run.events.subscribe({ runId: "00000000-0000-4000-8000-000000000000" }, handlers),
    );
    expect(outcome).toBe("could not connect within 500 ms");
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    await client.close();
  });

  it("after a drop it resumes for reconnectForMs, then fails instead of waiting forever", async () => {
    const api = await startTestServer(database);
    const client = createRunsClient({
      url: api.server.url,
      token: await api.tokenFor("give-up"),
      reconnectForMs: 800,
      retryDelayMs: () => 100,
    });
    try {
      const run = await client.trpc.run.start.mutate({ stepDelayMs: 60_000 });
      const stream = subscribeEvents(client.trpc, { runId: run.id });
      await awaitEvents(stream, (events) => events.length >= 2, "the run's first events");
      const ended = outcomeOf((handlers) => client.trpc.run.events.subscribe({ runId: run.id }, handlers));
      await api.close();
      expect(await ended).toBe("the connection was lost and not back within 800 ms");
    } finally {
      await client.close();
    }
  });

  it("runs watch exits 4 at once when the server cannot be reached", async () => {
    const url = `http://127.0.0.1:${await freeEphemeralPort()}`;
    const startedAt = Date.now();
    const result = await runTs("src/cli/runs.ts", ["watch", "00000000-0000-4000-8000-000000000000", "--url", url]).done;
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("cannot reach the server");
    // Within the client's 10 s connect timeout (the HTTP lookups' retries take a few seconds).
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });
});
