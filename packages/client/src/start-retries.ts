import { retryLink, TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AppRouter } from "./contract.js";

// Tries of one call in all, and the pause before each retry.
const MAX_ATTEMPTS = 4;
const retryDelayMs = (attempt: number) => Math.min(250 * 2 ** attempt, 2_000);

/**
 * Gives every run.start a requestKey of its own (unless the caller chose one), so the start can be
 * retried without starting twice: the server returns the run the key already created.
 */
export const requestKeyLink: TRPCLink<AppRouter> =
  () =>
  ({ op, next }) =>
    next(op.path === "run.start" && op.type === "mutation" ? { ...op, input: withRequestKey(op.input) } : op);

function withRequestKey(input: unknown): unknown {
  // Anything but an object (or nothing) goes as it is: the server refuses it as it stands.
  if (input !== undefined && (typeof input !== "object" || input === null || Array.isArray(input))) return input;
  const given = (input ?? {}) as Record<string, unknown>;
  return given.requestKey === undefined ? { ...given, requestKey: globalThis.crypto.randomUUID() } : given;
}

/**
 * Retries what is safe to retry when the server could not answer (no answer, or 502/503/504, as
 * during a database outage): queries, and run.start, whose requestKey makes a retry return the
 * same run. Other mutations are not retried: the caller decides.
 */
export const retryWhenUnavailable = retryLink<AppRouter>({
  retry: ({ op, error, attempts }) =>
    attempts < MAX_ATTEMPTS &&
    op.type !== "subscription" &&
    (op.type === "query" || op.path === "run.start") &&
    isUnavailable(error),
  retryDelayMs,
});

function isUnavailable(error: TRPCClientError<AppRouter>): boolean {
  const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
  return status === undefined ? error instanceof TRPCClientError : status === 502 || status === 503 || status === 504;
}
