import type { TRPCError } from "@trpc/server";
import { LimitExceededError, withoutStackTrace } from "../errors";
import type { ConnectionState, Context } from "./context";
import { toTRPCError } from "./error-mapping";

/** How long a caller over the in-flight limit is asked to wait: about one call's time. */
const CALL_RETRY_AFTER_MS = 1_000;
/** How long a caller over the subscription limit is asked to wait (it knows best when it ends one). */
const SUBSCRIPTION_RETRY_AFTER_MS = 1_000;

/**
 * Takes one of its connection's `subscriptionsPerConnection` slots for a subscription, or refuses it
 * (TOO_MANY_REQUESTS); returns the connection, to give the slot back with leaveSubscription, or null
 * over HTTP. (A socket that stops reading is dropped by the socket itself, whatever it is sent.)
 */
export function enterSubscription(ctx: Context): ConnectionState | null {
  const connection = ctx.connection;
  if (!connection) return null;
  const { subscriptionsPerConnection } = ctx.services.limits;
  if (connection.subscriptions >= subscriptionsPerConnection) {
    throw refusal(
      new LimitExceededError(
        `at most ${subscriptionsPerConnection} subscriptions per connection; end one first`,
        SUBSCRIPTION_RETRY_AFTER_MS,
      ),
    );
  }
  connection.subscriptions += 1;
  return connection;
}

export function leaveSubscription(connection: ConnectionState): void {
  connection.subscriptions -= 1;
}

/**
 * Takes a slot for a query or mutation on a socket — one of the socket's
 * (`callsInFlightPerConnection`) and one of its client address's, shared with HTTP — or refuses the
 * call (TOO_MANY_REQUESTS with a retry hint): a client cannot pile up work, and answers, faster
 * than it is served. Returns the release, to call once the call has its answer.
 */
export function holdCallSlots(ctx: Context, connection: ConnectionState): () => void {
  const limit = ctx.services.limits.callsInFlightPerConnection;
  try {
    if (connection.callsInFlight >= limit) {
      throw new LimitExceededError(
        `at most ${limit} queries and mutations in flight per connection; wait for an answer`,
        CALL_RETRY_AFTER_MS,
      );
    }
    const releaseAddress = ctx.services.addressLimits.holdRequest(ctx.clientAddress);
    connection.callsInFlight += 1;
    return () => {
      connection.callsInFlight -= 1;
      releaseAddress();
      connection.callSettled?.();
    };
  } catch (error) {
    throw refusal(error);
  }
}

/** An anonymous owner's HTTP call, within its address's allowance or refused (TOO_MANY_REQUESTS). */
export function admitAnonymousCall(ctx: Context): void {
  try {
    ctx.services.addressLimits.admitAnonymousCalls(ctx.clientAddress, 1);
  } catch (error) {
    throw refusal(error);
  }
}

/**
 * A refusal as tRPC's error, mapped here: tRPC re-wraps any other error and reads its stack, which
 * costs more than the call it refuses (source-mapped stack traces); and made without a stack of
 * its own, as the LimitExceededError it carries, since a client can ask for refusals in a loop.
 */
function refusal(error: unknown): TRPCError {
  return withoutStackTrace(() => toTRPCError(error));
}
