import { describe, expect, it } from "vitest";
import { parseEnv } from "../src/env";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { runTs } from "./support/run-command";
import { spawnTestServer } from "./support/server-process";
import { createTestDatabase } from "./support/test-database";

describe("configuration", () => {
  it("the server refuses to start on bad settings, naming each one", async () => {
    const { code, stderr } = await runTs("src/server/main.ts", [], {
      PORT: "eighty",
      DATABASE_URL: "mysql://nope",
      EXECUTOR_CONCURRENCY: "0",
      LOG_LEVEL: "loud",
    }).done;
    expect(code).toBe(1);
    expect(stderr).toContain("Invalid configuration");
    for (const name of ["PORT", "DATABASE_URL", "EXECUTOR_CONCURRENCY", "LOG_LEVEL"]) expect(stderr).toContain(name);
  });

  it("in production the server refuses to start without a SESSION_SECRET of at least 32 characters", async () => {
    const { code, stderr } = await runTs("src/server/main.ts", [], { NODE_ENV: "production", SESSION_SECRET: "" }).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/Invalid configuration:\n {2}SESSION_SECRET: required when NODE_ENV=production/);
    expect(() => parseEnv({ NODE_ENV: "production", SESSION_SECRET: "too-short" })).toThrow(/SESSION_SECRET: .*32/);
    const secret = "s".repeat(32);
    expect(parseEnv({ NODE_ENV: "production", SESSION_SECRET: secret }).SESSION_SECRET).toBe(secret);
    // Elsewhere a generated secret kept in the database is the default.
    expect(parseEnv({ NODE_ENV: "development" }).SESSION_SECRET).toBeUndefined();
  });
});

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))("logs", () => {
  /** Runs one run on a lone instance at `level` and returns that instance's log entries for it. */
  async function logsOfOneRun(databaseUrl: string, level: string) {
    const server = await spawnTestServer(databaseUrl, { LOG_LEVEL: level });
    try {
      const { trpc } = server.client();
      const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
      await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
      await server.stop();
      return server.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.runId === run.id);
    } finally {
      await server.stop();
    }
  }

  it("are JSON lines carrying runId and seq, at the level LOG_LEVEL sets", async () => {
    const database = await createTestDatabase();
    try {
      const debug = await logsOfOneRun(database.url!, "debug");
      expect(debug.filter((entry) => entry.msg === "event appended").map((entry) => entry.seq)).toEqual(
        [...Array(11).keys()].map((i) => i + 2),
      );
      expect(debug.find((entry) => entry.msg === "run finished")).toMatchObject({
        seq: 13,
        status: "succeeded",
        level: 30,
      });

      const info = await logsOfOneRun(database.url!, "info");
      expect(info.map((entry) => entry.msg)).toEqual(["run claimed", "run finished"]);
    } finally {
      await database.drop();
    }
  });
});
