import { TRPCClientError, type TRPCLink, type TRPCWebSocketClient } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "./contract.js";

export interface GiveUpSettings {
  /** A subscription whose WebSocket never opened fails after this long. */
  connectTimeoutMs: number;
  /** After a drop, the client reconnects (and resumes) for this long, then the subscription fails. */
  reconnectForMs: number;
  /** Why no connection can be made, when that is known (e.g. no WebSocket implementation): added to the error. */
  failure?: () => Error | undefined;
}

/**
 * Watches the WebSocket client's connection for one subscription: the client reconnects without
 * end, so `giveUp` is called (once) with the error to end the subscription with once it has been
 * without a connection for too long. Returns the watch's stop.
 */
export function watchConnection(
  wsClient: TRPCWebSocketClient,
  settings: GiveUpSettings,
  giveUp: (error: TRPCClientError<AppRouter>) => void,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let connectedOnce = false;
  const fail = (message: string) => {
    stop();
    const failure = settings.failure?.();
    giveUp(TRPCClientError.from(new Error(failure ? `${message}: ${failure.message}` : message, { cause: failure })));
  };
  const states = wsClient.connectionState.subscribe({
    next: (state) => {
      if (state.state === "pending") {
        connectedOnce = true;
        clearTimeout(timer);
        timer = undefined;
      } else if (state.state === "connecting" && timer === undefined) {
        const [waitMs, message] = connectedOnce
          ? [settings.reconnectForMs, `the connection was lost and not back within ${settings.reconnectForMs} ms`]
          : [settings.connectTimeoutMs, `could not connect within ${settings.connectTimeoutMs} ms`];
        timer = setTimeout(() => fail(message), waitMs);
      }
    },
  });
  function stop() {
    clearTimeout(timer);
    states.unsubscribe();
  }
  return stop;
}

/** Subscriptions of the typed client fail, rather than wait forever, when the server cannot be reached. */
export function giveUpLink(wsClient: TRPCWebSocketClient, settings: GiveUpSettings): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const stopWatching = watchConnection(wsClient, settings, (error) => {
          // Error first: stopping the inner subscription completes it, which would read as the end.
          observer.error(error);
          subscription.unsubscribe();
        });
        const subscription = next(op).subscribe(observer);
        return () => {
          stopWatching();
          subscription.unsubscribe();
        };
      });
}
