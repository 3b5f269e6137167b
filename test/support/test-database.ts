import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "../../src/db/client";
import { createFreshDatabase } from "./fresh-database";

export type TestDatabaseKind = "postgres" | "pglite";

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** Opens a new handle on this test database (each server instance gets its own). */
  open(): Database;
  /** A postgres:// URL for child processes; null on PGlite. */
  url: string | null;
  drop(): Promise<void>;
}

function dockerAvailable(): boolean {
  try {
    execSync("docker info", { stdio: "ignore", timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * A fresh, empty database for one test file: a new database on TEST_DATABASE_URL's server when
 * set, else a testcontainers Postgres when Docker runs, else embedded in-memory PGlite.
 */
export async function createTestDatabase(prefer?: TestDatabaseKind): Promise<TestDatabase> {
  if (prefer === "pglite") return pgliteDatabase();
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) return freshDatabaseOn(adminUrl);
  if (prefer !== "postgres" && !dockerAvailable()) return pgliteDatabase();
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  const container = await new PostgreSqlContainer("postgres:16-alpine").start();
  const inner = await freshDatabaseOn(container.getConnectionUri());
  return { ...inner, drop: async () => void (await container.stop()) };
}

async function freshDatabaseOn(adminUrl: string): Promise<TestDatabase> {
  const fresh = await createFreshDatabase(adminUrl, "live_runs_test");
  const handles: Database[] = [];
  return {
    kind: "postgres",
    url: fresh.url,
    open() {
      const handle = openDatabase({ kind: "postgres", url: fresh.url, poolMax: 10 });
      handles.push(handle);
      return handle;
    },
    async drop() {
      await Promise.allSettled(handles.map((h) => h.close()));
      await fresh.drop();
    },
  };
}

function pgliteDatabase(): TestDatabase {
  const dataDir = mkdtempSync(join(tmpdir(), "live-runs-pglite-"));
  const handles: Database[] = [];
  return {
    kind: "pglite",
    url: null,
    // PGlite is single-process: open the next handle only after the previous one is closed.
    open() {
      const handle = openDatabase({ kind: "pglite", dataDir });
      handles.push(handle);
      return handle;
    },
    async drop() {
      await Promise.allSettled(handles.map((h) => h.close()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
