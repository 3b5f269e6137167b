import type { LapseWatcher } from "../auth/credential-watch";
import type { Credential, CredentialLapse } from "../auth/credentials";
import { enterSubscription, leaveSubscription } from "./connection-limits";
import type { Context } from "./context";
import { toTRPCError } from "./error-mapping";
import { unauthorized } from "./init";

/**
 * A subscription's source, within what the server allows it: its connection's subscription limit,
 * domain errors mapped (subscriptions fail while iterating, past any middleware), and ended with
 * UNAUTHORIZED once the caller's credential lapses. One generator for the three, not one each:
 * every idle subscriber keeps each layer (its generator, its pending next and the promises between).
 *
 * The credential (its token revoked, its session expired) is watched whether the stream is busy or
 * idle: the instance's CredentialWatch checks it every `credentialCheckMs` (a token's revocation
 * through the shared cache), so the stream ends within the cache time plus one interval. A
 * credential that expires (a view token, a session) is also checked at its expiry, so the stream
 * ends then, not up to an interval later. `open` gets a signal that aborts then, or when the
 * client leaves.
 *
 * A check the database cannot answer is retried at the next interval and the stream goes on:
 * streams ride out an outage and resume, and a revocation cannot be written during one either.
 */
export async function* guardedSubscription<T>(
  ctx: Context & { credential: Credential },
  signal: AbortSignal | undefined,
  open: (signal: AbortSignal) => AsyncIterable<T>,
): AsyncGenerator<T, void, undefined> {
  const connection = enterSubscription(ctx);
  const { watch } = ctx.services.auth;
  const stop = new SubscriptionStop();
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop.handleEvent();
  const watching = watch.watch(ctx.credential, stop);
  try {
    for await (const item of open(stop.controller.signal)) {
      if (stop.lapse) break;
      yield item;
    }
  } catch (error) {
    throw toTRPCError(error);
  } finally {
    watch.unwatch(watching, stop);
    signal?.removeEventListener("abort", stop);
    if (connection) leaveSubscription(connection);
  }
  if (stop.lapse) throw unauthorized(stop.lapse);
}

/**
 * Ends a subscription's source when its client leaves (the abort listener) or its credential
 * lapses (the watch's watcher): one object for both, where closures would be one each per subscriber.
 */
class SubscriptionStop implements LapseWatcher {
  readonly controller = new AbortController();
  lapse: CredentialLapse | null = null;

  handleEvent(): void {
    this.controller.abort();
  }

  lapsed(lapse: CredentialLapse): void {
    this.lapse = lapse;
    this.controller.abort();
  }
}
