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
 * Subscriptions fail, rather than wait forever, when the server cannot be reached: the WebSocket
 * client reconnects without end, so this link watches its state and ends a subscription with an
 * error once it has been without a connection for too long.
 */
export function giveUpLink(wsClient: TRPCWebSocketClient, settings: GiveUpSettings): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        let connectedOnce = false;
        const giveUp = (message: string) => {
          const failure = settings.failure?.();
          const error = new Error(failure ? `${message}: ${failure.message}` : message, { cause: failure });
          // Error first: stopping the inner subscription completes it, which would read as the end.
          observer.error(TRPCClientError.from(error));
          stop();
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
              timer = setTimeout(() => giveUp(message), waitMs);
            }
          },
        });
        const subscription = next(op).subscribe(observer);
        function stop() {
          clearTimeout(timer);
          states.unsubscribe();
          subscription.unsubscribe();
        }
        return stop;
      });
}
