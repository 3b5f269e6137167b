import { databaseOptionsFromEnv, openDatabase } from "../db/client";
import { parseEnv, serverOptionsFromEnv, type Env } from "../env";
import { createLogger } from "./log";
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
  const database = openDatabase(databaseOptionsFromEnv(env), log);
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
}
