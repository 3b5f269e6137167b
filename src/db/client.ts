import { mkdirSync } from "node:fs";
import { basename } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Logger } from "pino";
import { lockEmbeddedDatabase } from "./embedded-lock";
import { SupervisedListener } from "./pg-listener";
import { connectionOptions } from "./postgres-options";
import { preparingStatements } from "./prepared-statements";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseOptions =
  | { kind: "postgres"; url: string; poolMax: number; listenerCheckMs?: number }
  | {
      kind: "pglite";
      dataDir: string;
      /** What the directory's lock names as its holder ("server", "tokens", …); by default the entry script. */
      holder?: string;
    };

interface DatabaseBase {
  readonly db: Db;
  /**
   * LISTENs on `channel`. `onReady` runs after every (re)connect of the listening connection,
   * because notifications sent while it was down are lost and the caller must catch up.
   */
  listen: (channel: string, onNotify: (payload: string) => void, onReady?: () => void) => Promise<() => Promise<void>>;
  close: () => Promise<void>;
}

export type Database =
  | (DatabaseBase & { readonly kind: "postgres"; readonly url: string })
  | (DatabaseBase & { readonly kind: "pglite"; readonly client: PGlite });

export function openDatabase(options: DatabaseOptions, log?: Logger): Database {
  return options.kind === "postgres" ? openPostgres(options, log) : openPglite(options);
}

function openPostgres(options: Extract<DatabaseOptions, { kind: "postgres" }>, log?: Logger): Database {
  const { url, poolMax } = options;
  const sql = postgres(url, { ...connectionOptions, max: poolMax });
  const listener = new SupervisedListener(url, sql, {
    checkMs: options.listenerCheckMs ?? 2_000,
    onReconnect: (cause) => log?.warn({ err: cause }, "LISTEN connection replaced"),
  });
  return {
    kind: "postgres",
    url,
    db: drizzlePostgres({ client: preparingStatements(sql), schema }),
    listen: (channel, onNotify, onReady) => listener.listen(channel, onNotify, onReady),
    close: once(async () => {
      await listener.close();
      await sql.end({ timeout: 5 });
    }),
  };
}

function openPglite({ dataDir, holder }: Extract<DatabaseOptions, { kind: "pglite" }>): Database {
  // "memory://" keeps everything in memory (tests); anything else is a directory on disk, which
  // one process at a time may open (embedded-lock.ts): this throws EmbeddedDatabaseBusy otherwise.
  let unlock = () => {};
  if (!dataDir.startsWith("memory://")) {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockEmbeddedDatabase(dataDir, holder ?? basename(process.argv[1] ?? "node"));
  }
  const client = new PGlite(dataDir);
  return {
    kind: "pglite",
    client,
    db: drizzlePglite({ client, schema }),
    async listen(channel, onNotify, onReady) {
      // PGlite is in-process: its listener never disconnects, so it is ready once subscribed.
      const unlisten = await client.listen(channel, onNotify);
      onReady?.();
      return () => unlisten();
    },
    close: once(async () => {
      try {
        await client.close();
      } finally {
        unlock();
      }
    }),
  };
}

/** Closing twice (server shutdown, then test teardown) is harmless. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | null = null;
  return () => (closing ??= close());
}

/** `holder` names the process in the embedded database's lock (see embedded-lock.ts). */
export function databaseOptionsFromEnv(
  env: {
    DATABASE_URL?: string | undefined;
    DATABASE_POOL_MAX: number;
    PGLITE_DATA_DIR: string;
    LISTENER_CHECK_MS: number;
  },
  holder?: string,
): DatabaseOptions {
  return env.DATABASE_URL
    ? {
        kind: "postgres",
        url: env.DATABASE_URL,
        poolMax: env.DATABASE_POOL_MAX,
        listenerCheckMs: env.LISTENER_CHECK_MS,
      }
    : { kind: "pglite", dataDir: env.PGLITE_DATA_DIR, ...(holder ? { holder } : {}) };
}
