import type { Credential, CredentialLapse } from "../auth/credentials";
import type { AuthSettings } from "./context";
import { unauthorized } from "./init";

/**
 * A subscription's source, ended with UNAUTHORIZED once the caller's credential lapses (its token
 * revoked, its session expired), whether the stream is busy or idle: the instance's CredentialWatch
 * checks it every `credentialCheckMs` (the token's revocation through the shared cache), so it ends
 * within the cache time plus one interval. A credential that expires (a view token, a session) is
 * also checked at its expiry, so the stream ends then, not up to an interval later. `open` gets a
 * signal that aborts then, or when the client leaves.
 *
 * A check the database cannot answer is retried at the next interval and the stream goes on:
 * streams ride out an outage and resume, and a revocation cannot be written during one either.
 */
export async function* whileCredentialHolds<T>(
  auth: AuthSettings,
  credential: Credential,
  signal: AbortSignal | undefined,
  open: (signal: AbortSignal) => AsyncIterable<T>,
): AsyncGenerator<T, void, undefined> {
  const stop = new AbortController();
  const leave = () => stop.abort();
  signal?.addEventListener("abort", leave, { once: true });
  if (signal?.aborted) stop.abort();
  let lapse = null as CredentialLapse | null; // set by the watch
  const unwatch = auth.watch.watch(credential, (found) => {
    lapse = found;
    stop.abort();
  });
  try {
    for await (const item of open(stop.signal)) {
      if (lapse) break;
      yield item;
    }
  } finally {
    unwatch();
    signal?.removeEventListener("abort", leave);
  }
  if (lapse) throw unauthorized(lapse);
}
