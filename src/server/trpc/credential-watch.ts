import { credentialExpiry, type Credential, type CredentialLapse } from "../auth/credentials";
import type { AuthSettings } from "./context";
import { unauthorized } from "./init";

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A subscription's source, ended with UNAUTHORIZED once the caller's credential lapses (its token
 * revoked, its session expired), whether the stream is busy or idle: checked every
 * `credentialCheckMs` (the token's revocation through the shared cache), so it ends within the cache
 * time plus one interval. A credential that expires (a view token, a session) is also checked at its
 * expiry, so the stream ends then, not up to an interval later. `open` gets a signal that aborts
 * then, or when the client leaves.
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
  let lapse = null as CredentialLapse | null; // set by the timer
  const check = () => {
    auth.credentials.lapse(credential).then(
      (found) => {
        if (!found || lapse) return;
        lapse = found;
        stop.abort();
      },
      () => {}, // the database is unavailable: try again at the next tick
    );
  };
  const timer = setInterval(check, auth.credentialCheckMs);
  timer.unref();
  const expiresIn = (credentialExpiry(credential) ?? Infinity) - Date.now();
  // Timers cannot wait past ~24.8 days (a session's expiry may be further): the interval covers those.
  const atExpiry = expiresIn < MAX_TIMER_MS ? setTimeout(check, Math.max(0, expiresIn) + 1) : undefined;
  atExpiry?.unref();
  try {
    for await (const item of open(stop.signal)) {
      if (lapse) break;
      yield item;
    }
  } finally {
    clearInterval(timer);
    clearTimeout(atExpiry);
    signal?.removeEventListener("abort", leave);
  }
  if (lapse) throw unauthorized(lapse);
}
