import { initTRPC, TRPCError } from "@trpc/server";
import type { Context } from "./context";
import { credentialReaches } from "../auth/credentials";
import { isAnonymous } from "../auth/owner";
import { beforeDeadline, LimitExceededError, OutOfScopeError, RunNotFoundError } from "../errors";
import { requireOwnedRun } from "../runs/queries";
import type { Run } from "../runs/types";
import { admitAnonymousCall, holdCallSlots } from "./connection-limits";
import { errorIdOf } from "./error-ids";
import { toTRPCError } from "./error-mapping";

/** Validation failures carry their issues so clients can show what was wrong with the input. */
function validationIssues(cause: unknown): unknown[] | null {
  if (cause && typeof cause === "object" && "issues" in cause && Array.isArray(cause.issues)) {
    return cause.issues as unknown[];
  }
  return null;
}

const t = initTRPC.context<Context>().create({
  // Never send stack traces, whatever NODE_ENV says.
  isDev: false,
  // Subscriptions are served over the WebSocket only, where the per-connection limits apply.
  sse: { enabled: false },
  errorFormatter({ shape, error }) {
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      // An unexpected error's message may hold SQL and its parameters: the client gets a reference.
      message: internal ? `Internal error (reference ${errorIdOf(error)})` : shape.message,
      data: {
        ...data,
        issues: error.code === "BAD_REQUEST" ? validationIssues(error.cause) : null,
        retryAfterMs: error.cause instanceof LimitExceededError ? (error.cause.retryAfterMs ?? null) : null,
        errorId: internal ? errorIdOf(error) : null,
      },
    };
  },
});

/** Queries and mutations throw domain errors; they leave here as the matching tRPC codes. */
const domainErrorsAsTRPC = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

/**
 * Every query and mutation answers within the request deadline: during a database outage the
 * driver may queue a call for as long as it keeps reconnecting, and a client must hear 503 in
 * seconds instead. (What was queued may still run when the database returns; starts are made
 * safe to retry by their requestKey.)
 */
const withinCallDeadline = t.middleware(({ ctx, type, next }) => {
  if (type === "subscription") return next();
  const deadlineMs = ctx.services.requestDeadlineMs;
  return beforeDeadline(next(), { answerBy: ctx.answerBy ?? Date.now() + deadlineMs, deadlineMs });
});

/**
 * Queries and mutations over a WebSocket hold in-flight slots (the socket's and its address's)
 * until answered; over HTTP the request handler holds the address's slot, and an anonymous
 * owner's call takes its address's allowance here (a socket's messages wait for it instead).
 */
const withinCallLimits = t.middleware(async ({ ctx, type, next }) => {
  if (!ctx.connection) {
    if (isAnonymous(ctx.caller)) admitAnonymousCall(ctx);
    return next();
  }
  if (type === "subscription") return next();
  const release = holdCallSlots(ctx, ctx.connection);
  try {
    return await next();
  } finally {
    release();
  }
});

export const createTRPCRouter = t.router;
export const publicProcedure = t.procedure.use(domainErrorsAsTRPC).use(withinCallDeadline).use(withinCallLimits);

const UNAUTHORIZED_MESSAGES = {
  missing: "Sign in: open the app in a browser for a session, or send an API token (Authorization: Bearer …)",
  "malformed authorization": "The Authorization header must be `Bearer <token>`",
  "invalid token": "The API token is unknown or revoked",
  "invalid view token": "The view token is unknown, revoked or expired",
  "expired view token": "The view token has expired; ask for a new one",
  "invalid session": "The session has expired or is not valid; reload the app for a new one",
  "ambiguous session":
    "More than one session cookie was sent (another site may have set one): clear this site's cookies and reload",
} as const;

export function unauthorized(problem: keyof typeof UNAUTHORIZED_MESSAGES): TRPCError {
  return new TRPCError({ code: "UNAUTHORIZED", message: UNAUTHORIZED_MESSAGES[problem] });
}

/**
 * Calls with a credential. A WebSocket's caller was identified when it opened, so every call on it
 * checks again that the token is not revoked, the session or view token not expired since (a
 * database outage during that check is a 503, like any other).
 */
const callerProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const { caller, connection, services } = ctx;
  if (caller.ownerId === null) throw unauthorized(caller.problem);
  const lapse = connection ? await services.auth.credentials.lapse(caller.credential) : null;
  if (lapse) throw unauthorized(lapse);
  return next({ ctx: { ownerId: caller.ownerId, credential: caller.credential } });
});

const VIEW_TOKEN_SCOPE =
  "A view token may only read its run (run.get, run.events, run.eventsPage, run.steps); use an API token or a session";

/** Procedures that act for an owner: their runs, and only theirs. View tokens are refused (FORBIDDEN). */
export const ownerProcedure = callerProcedure.use(({ ctx, next }) => {
  if (ctx.credential.kind === "view") throw new OutOfScopeError(VIEW_TOKEN_SCOPE);
  return next();
});

/**
 * Procedures that read one run: its owner's credentials, or a view token of that run. They reach
 * the run through `readableRun`, which answers NOT_FOUND for any other run the token's owner has.
 */
export const runReaderProcedure = callerProcedure.use(({ ctx, next }) => {
  const { credential, ownerId, services } = ctx;
  const readableRun = (runId: string): Promise<Run> =>
    credentialReaches(credential, runId)
      ? requireOwnedRun(services.database.db, runId, ownerId)
      : Promise.reject(new RunNotFoundError(runId));
  return next({ ctx: { readableRun } });
});
