import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunsClient } from "../src/client";
import { LOCK_FILE } from "../src/db/embedded-lock";
import { runTs } from "./support/run-command";
import { spawnServer, type ServerProcess } from "./support/spawn-server";

// Every step starts a process that opens PGlite (seconds each, more on a busy machine).
const PROCESSES_TIMEOUT = { timeout: 300_000 };

// One process per embedded database: a server on a PGlite directory holds it, and the commands
// that write to it, or a second server, refuse instead of writing beside it.
describe("the embedded database's lock", () => {
  let dataDir: string;
  const lockPath = () => join(dataDir, LOCK_FILE);
  const embedded = () => ({ DATABASE_URL: "", PGLITE_DATA_DIR: dataDir });
  const tokens = (...args: string[]) => runTs("src/cli/tokens.ts", args, embedded()).done;
  const startServer = () =>
    spawnServer({ databaseUrl: "", env: { PGLITE_DATA_DIR: dataDir }, readyTimeoutMs: 120_000 });
  let server: ServerProcess | null = null;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "live-runs-lock-"));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    "refuses tokens, db:migrate and a second server while a server runs; works once it stopped",
    PROCESSES_TIMEOUT,
    async () => {
      server = await startServer();
      expect(JSON.parse(readFileSync(lockPath(), "utf8"))).toMatchObject({ pid: server.pid, holder: "server" });

      const refused = await tokens("create", "--owner", "zoe");
      expect(refused.code).toBe(5);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(
        new RegExp(
          `^tokens: the embedded database ${dataDir} is in use by a running server \\(pid ${server.pid}, .*stop it first`,
        ),
      );
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);

      const migrate = await runTs("src/db/migrate-cli.ts", [], embedded()).done;
      expect(migrate.code).toBe(5);
      expect(migrate.stderr).toContain("in use by a running server");

      const second = await runTs("src/server/main.ts", [], {
        ...embedded(),
        NODE_ENV: "production",
        SESSION_SECRET: "a-session-secret-of-32-characters-or-more",
        SERVE_PAGES: "false",
        PORT: "0",
      }).done;
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`cannot start: the embedded database ${dataDir} is in use by a running server`);
      expect(second.stderr).not.toContain("    at ");

      expect(await server.stop()).toBe(0);
      server = null;
      expect(existsSync(lockPath())).toBe(false);

      // Once the server stopped, the token is written to the database the next server reads.
      const created = await tokens("create", "--owner", "zoe", "--json");
      expect(created.code).toBe(0);
      const { secret } = JSON.parse(created.stdout) as { secret: string };
      expect(existsSync(lockPath())).toBe(false);

      server = await startServer();
      const client = createRunsClient({ url: server.url, token: secret });
      try {
        const run = await client.trpc.run.start.mutate({ stepDelayMs: 0 });
        expect((await client.trpc.run.list.query()).items.map((r) => r.id)).toEqual([run.id]);
      } finally {
        await client.close();
      }
      await server.stop();
      server = null;
    },
  );

  it(
    "takes over a lock left by a process that is gone (kill -9), and an unreadable one",
    PROCESSES_TIMEOUT,
    async () => {
      server = await startServer();
      const crashedPid = server.pid;
      await server.crash();
      server = null;
      // The crashed server never removed its lock.
      expect(JSON.parse(readFileSync(lockPath(), "utf8"))).toMatchObject({ pid: crashedPid });

      const listed = await tokens("list", "--json");
      expect(listed.code).toBe(0);
      expect(Array.isArray(JSON.parse(listed.stdout))).toBe(true);
      expect(existsSync(lockPath())).toBe(false);

      // A process that had just created the file when it died left it empty.
      writeFileSync(lockPath(), "");
      expect((await tokens("create", "--owner", "after-crash")).code).toBe(0);
      expect(existsSync(lockPath())).toBe(false);
    },
  );

  it("is not taken over while its process lives, whatever that process is", PROCESSES_TIMEOUT, async () => {
    // This test process stands in for a server that holds the lock.
    writeFileSync(
      lockPath(),
      JSON.stringify({ pid: process.pid, holder: "server", startedAt: new Date().toISOString() }),
    );
    try {
      expect((await tokens("list")).code).toBe(5);
    } finally {
      rmSync(lockPath());
    }
    // A pid that no longer exists: a finished child's.
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(lockPath(), JSON.stringify({ pid: gone, holder: "server", startedAt: "earlier" }));
    expect((await tokens("list")).code).toBe(0);
  });
});
