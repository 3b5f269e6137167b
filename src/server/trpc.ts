import { initTRPC } from "@trpc/server";
import type { Context } from "./context";
import { databaseUnavailableError, isDatabaseUnavailable } from "./db-errors";

/** Validation failures carry their issues so clients can show what was wrong with the input. */
function validationIssues(cause: unknown): unknown[] | null {
  if (cause && typeof cause === "object" && "issues" in cause && Array.isArray(cause.issues)) {
    return cause.issues as unknown[];
  }
  return null;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: { ...shape.data, issues: error.code === "BAD_REQUEST" ? validationIssues(error.cause) : null },
    };
  },
});

/** A database outage is a 503 the client can retry, not an internal error. */
const databaseOutageAsUnavailable = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDatabaseUnavailable(result.error.cause)) throw databaseUnavailableError(result.error.cause);
  return result;
});

/** Subscriptions fail while iterating, past the middleware: their generators map errors here. */
export async function* mapDatabaseOutage<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  try {
    yield* source;
  } catch (error) {
    throw isDatabaseUnavailable(error) ? databaseUnavailableError(error) : error;
  }
}

export const createTRPCRouter = t.router;
export const publicProcedure = t.procedure.use(databaseOutageAsUnavailable);
export const createCallerFactory = t.createCallerFactory;
