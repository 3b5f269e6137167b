// Domain errors: what the run service says went wrong, in its own words. The tRPC layer maps each
// to a code in one place (src/server/trpc/error-mapping.ts), so nothing below it knows the transport.

/** The run does not exist, or belongs to someone else: callers cannot tell which. */
export class RunNotFoundError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} not found`);
  }
}

/** The caller's credential does not reach this procedure (a view token outside reading its run). */
export class OutOfScopeError extends Error {}

/** The caller has no such view token (unknown, or on someone else's run: callers cannot tell which). */
export class ViewTokenNotFoundError extends Error {
  constructor() {
    super("view token not found");
  }
}

/** A request the caller must change before retrying (a bad cursor, a fromSeq past the end). */
export class InvalidRequestError extends Error {}

/** The request contradicts what already exists (a request key reused with another input). */
export class ConflictError extends Error {}

/**
 * The caller is over a limit; retrying after `retryAfterMs` (when known) may succeed. An expected
 * answer, not a fault: it captures no stack trace, which nobody reads and which cost more than the
 * rest of a refusal (about 30 µs each, paid per request by a client that ignores Retry-After).
 */
export class LimitExceededError extends Error {
  readonly retryAfterMs?: number;

  constructor(message: string, retryAfterMs?: number) {
    const traceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = traceLimit;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The error `make` constructs, with no stack trace captured: for expected refusals (see LimitExceededError). */
export function withoutStackTrace<E extends Error>(make: () => E): E {
  const traceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = traceLimit;
  }
}

/** A call ran past its deadline (the database did not answer in time): retry shortly. */
export class DeadlineExceededError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`no answer within ${deadlineMs} ms; try again shortly`);
  }
}

/**
 * `work`, or a DeadlineExceededError at `answerBy` (epoch ms): the deadline (`deadlineMs`, as the
 * error reports it) starts when a request arrives, and every step of it answers by then.
 */
export async function beforeDeadline<T>(
  work: Promise<T>,
  { answerBy, deadlineMs }: { answerBy: number; deadlineMs: number },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(deadlineMs)), Math.max(0, answerBy - Date.now()));
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
