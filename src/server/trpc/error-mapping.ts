import { TRPCError } from "@trpc/server";
import { isDatabaseUnavailable } from "../../db/errors";
import {
  ConflictError,
  DeadlineExceededError,
  InvalidRequestError,
  LimitExceededError,
  OutOfScopeError,
  RunNotFoundError,
  ViewTokenNotFoundError,
} from "../errors";

/**
 * The one place domain errors become tRPC errors. Unknown errors stay internal (500); a database
 * outage is a 503 the client can retry.
 */
export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) {
    // tRPC wraps what a procedure throws: map the original.
    return error.code === "INTERNAL_SERVER_ERROR" && error.cause ? mapCause(error.cause, error) : error;
  }
  return mapCause(error, null);
}

function mapCause(cause: unknown, wrapper: TRPCError | null): TRPCError {
  if (cause instanceof RunNotFoundError) return new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
  if (cause instanceof ViewTokenNotFoundError)
    return new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
  if (cause instanceof OutOfScopeError) return new TRPCError({ code: "FORBIDDEN", message: cause.message, cause });
  if (cause instanceof ConflictError) return new TRPCError({ code: "CONFLICT", message: cause.message, cause });
  if (cause instanceof InvalidRequestError)
    return new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  if (cause instanceof LimitExceededError) {
    return new TRPCError({ code: "TOO_MANY_REQUESTS", message: cause.message, cause });
  }
  if (cause instanceof DeadlineExceededError) {
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: `The server did not answer in time (${cause.deadlineMs} ms); try again shortly.`,
      cause,
    });
  }
  if (isDatabaseUnavailable(cause)) {
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "The database is unavailable; try again shortly.",
      cause,
    });
  }
  return wrapper ?? new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause });
}
