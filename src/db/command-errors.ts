// What a command that opens the server's database itself (tokens, db:migrate) prints when it
// cannot: one line, never a stack.
import { EmbeddedDatabaseBusy, staleHint } from "./embedded-lock";
import { isDatabaseUnavailable } from "./errors";

/** Exit code of such a command while a running server holds the embedded database. */
export const EXIT_DATABASE_BUSY = 5;

/**
 * The one-line reason `error` stopped the command, and whether it was the embedded database's lock
 * (then `whatToDo` follows: how to get the command through).
 */
export function describeDatabaseError(error: unknown, whatToDo: string): { message: string; busy: boolean } {
  if (error instanceof EmbeddedDatabaseBusy) {
    return {
      message: `${error.message}: ${whatToDo}, or set DATABASE_URL to use Postgres ${staleHint(error)}`,
      busy: true,
    };
  }
  const text = error instanceof Error ? error.message : String(error);
  if (isDatabaseUnavailable(error))
    return { message: `cannot reach the database (${text}); check DATABASE_URL`, busy: false };
  return { message: text, busy: false };
}
