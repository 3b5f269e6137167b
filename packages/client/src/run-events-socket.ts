import type { TRPCClientError, TRPCWebSocketClient } from "@trpc/client";
import type { AppRouter, RunEvent, RunEventsInput } from "./contract.js";
import { watchConnection, type GiveUpSettings } from "./give-up.js";
import { tapRunEvents, type SubscriptionTaps } from "./subscription-taps.js";

/** What a run.events subscription tells its follower. */
export interface RunEventsHandlers {
  onEvent: (event: RunEvent) => void;
  /** The server refused or ended the subscription with an error, or the client gave up on the connection. */
  onError: (error: unknown) => void;
  /** The server ended the stream (after RunFinished). */
  onComplete: () => void;
}

/** Subscribes to run.events; returns the unsubscribe. */
export type RunEventsSource = (input: RunEventsInput, handlers: RunEventsHandlers) => () => void;

// The server speaks JSON as it is (no transformer).
const asIs = { serialize: (value: unknown) => value, deserialize: (value: unknown) => value };
const transformer = { input: asIs, output: asIs };

// A data result's payload: the tracked envelope `{ id, data }` around the event.
const eventOf = (data: unknown) => (data as { data: RunEvent }).data;

// Subscription ids of this path count down from -1, so they never meet the ids the typed client
// counts up from 1 on the same WebSocket client.
let lastId = 0;

/**
 * run.events straight from the WebSocket client (tRPC's, shared with the typed client's own
 * subscriptions): the same subscription message, the same reconnect and resume from the last event,
 * and the same give-up, but none of the link chain and client proxy each message would otherwise
 * pass through. With taps (a `ws` socket) the data messages skip the WebSocket client too: they are
 * read off the socket (subscription-taps.ts), and the resume position is kept in the input.
 */
export function runEventsOverSocket(
  wsClient: TRPCWebSocketClient,
  giveUp: GiveUpSettings,
  taps: SubscriptionTaps | null,
): RunEventsSource {
  return (given, handlers) => {
    // Its own input object: with taps, it is kept at the last event taken (tapRunEvents).
    const input: RunEventsInput = { ...given };
    const op = { id: --lastId, type: "subscription" as const, path: "run.events", input, signal: null };
    const untap = taps
      ? tapRunEvents(taps, op.id, input, (result) => handlers.onEvent(eventOf(result.data)))
      : () => {};
    let ended = false;
    const end = (report: () => void) => {
      if (ended) return;
      ended = true;
      stopWatching();
      untap();
      report();
    };
    const stopWatching = watchConnection(wsClient, giveUp, (error) => {
      end(() => handlers.onError(error));
      subscription.unsubscribe();
    });
    const subscription = wsClient.request({ op, transformer }).subscribe({
      next: ({ result }) => {
        if (result.type === "data") handlers.onEvent(eventOf(result.data));
      },
      error: (error: TRPCClientError<AppRouter>) => end(() => handlers.onError(error)),
      complete: () => end(handlers.onComplete),
    });
    return () => {
      end(() => {});
      subscription.unsubscribe();
    };
  };
}
