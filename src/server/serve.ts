import { databaseOptionsFromEnv, openDatabase, type Database } from "../db/client";
import { EmbeddedDatabaseBusy, staleHint } from "../db/embedded-lock";
import { parseEnv, serverOptionsFromEnv, type Env } from "../env";
import { createDevTokenIfNone, devTokenNotice } from "./dev-token";
import { createLogger, type Logger } from "./log";
import { startServer, type ServerOptions } from "./server";

/**
 * The server process: settings from the environment (a bad value exits 1 naming it), then the
 * server until SIGTERM or SIGINT. `adjust` lets a variant (the benchmark's seed design) change
 * settings that are not in the environment.
 */
export async function serveFromEnv(adjust: (options: ServerOptions) => ServerOptions = (options) => options) {
  let env: Env;
  try {
    env = parseEnv(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  const log = createLogger({ level: env.LOG_LEVEL, pretty: env.NODE_ENV === "development" });
  const database = openOwnDatabase(env, log);
  const server = await startServer(adjust({ ...serverOptionsFromEnv(env), database, log }));

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
  if (env.NODE_ENV === "development") {
    // After the signal handlers, so a stop meanwhile still shuts down cleanly; never fatal.
    const secret = await createDevTokenIfNone(database.db).catch((error: unknown) => {
      log.warn({ err: error }, "could not create a dev token");
      return null;
    });
    if (secret) process.stdout.write(`${devTokenNotice(secret, server.url)}\n`);
  }
}

/** The server's database; on embedded PGlite, refused (exit 1, one line) while another process holds it. */
function openOwnDatabase(env: Env, log: Logger): Database {
  try {
    return openDatabase(databaseOptionsFromEnv(env, "server"), log);
  } catch (error) {
    if (!(error instanceof EmbeddedDatabaseBusy)) throw error;
    process.stderr.write(
      `cannot start: ${error.message}: stop it first, give this server another PGLITE_DATA_DIR, ` +
        `or set DATABASE_URL to run several servers on one Postgres ${staleHint(error)}\n`,
    );
    process.exit(1);
  }
}
