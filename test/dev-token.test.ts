import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitCondition } from "./support/await";
import { runTs } from "./support/run-command";
import { spawnServer, type ServerProcess } from "./support/spawn-server";

// The README's order: start the server (npm run dev), copy the token it prints, use the CLI.
// Every step is a process opening PGlite (seconds each on a busy machine).
describe("the dev server's token", { timeout: 300_000 }, () => {
  let dataDir: string;
  let server: ServerProcess | null = null;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "live-runs-dev-token-"));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const start = (nodeEnv: "development" | "production", directory = dataDir) =>
    spawnServer({
      databaseUrl: "",
      env: { NODE_ENV: nodeEnv, PGLITE_DATA_DIR: directory, LOG_LEVEL: "warn" },
      readyTimeoutMs: 120_000,
    });
  const storedTokens = async (directory = dataDir) => {
    const listed = await runTs("src/cli/tokens.ts", ["list", "--json"], {
      DATABASE_URL: "",
      PGLITE_DATA_DIR: directory,
    }).done;
    expect(listed.code).toBe(0);
    return JSON.parse(listed.stdout) as { ownerId: string; revokedAt: string | null }[];
  };

  it("is printed once at the first start, works with the CLI, and is not printed again", async () => {
    server = await start("development");
    const dev = server;
    await awaitCondition(
      () => dev.logs.some((line) => line.includes("LIVE_RUNS_TOKEN=")),
      "the dev token",
      60_000,
      () => dev.logs.join("\n"),
    );
    const notice = dev.logs.join("\n");
    expect(notice).toContain('Dev API token for owner "dev"');
    const exported = /export LIVE_RUNS_URL=(\S+) LIVE_RUNS_TOKEN=(lrt_\S+)/.exec(notice);
    expect(exported?.[1]).toBe(dev.url);

    const started = await runTs("src/cli/runs.ts", ["start", "--step-delay", "0", "--watch"], {
      LIVE_RUNS_URL: exported![1]!,
      LIVE_RUNS_TOKEN: exported![2]!,
    }).done;
    expect(started.code).toBe(0);
    expect(started.stdout).toContain("succeeded");

    await dev.stop();
    server = null;
    // A second start finds the dev token active and creates none.
    const again = await start("development");
    server = again;
    await again.stop();
    server = null;
    expect(again.logs.join("\n")).not.toContain("LIVE_RUNS_TOKEN=");
    expect(await storedTokens()).toEqual([expect.objectContaining({ ownerId: "dev", revokedAt: null })]);
  });

  it("is never created in production", async () => {
    const productionDir = mkdtempSync(join(tmpdir(), "live-runs-prod-token-"));
    try {
      const production = await start("production", productionDir);
      await production.stop();
      expect(production.logs.join("\n")).not.toContain("LIVE_RUNS_TOKEN=");
      expect(await storedTokens(productionDir)).toEqual([]);
    } finally {
      rmSync(productionDir, { recursive: true, force: true });
    }
  });
});
