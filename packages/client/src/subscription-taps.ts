import { TRPCUntypedClient, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter, RunEventsInput } from "./contract.js";

/** A subscription's data result as the server sends it: `{ type: "data", id, data }` (id: the tracked event's). */
export interface DataResult {
  type: "data";
  id?: string;
  data: unknown;
}

const ID_PREFIX = '{"id":';

/**
 * The data messages of chosen subscriptions, taken off the client's WebSocket before tRPC's client
 * handles them. Every message tRPC's WebSocket client reads goes through its keep-alive timers, its
 * request bookkeeping, the request's observer and every link's observer on the way to `onData`;
 * for `run.events`, whose data messages are most of what a follower reads, that was half the
 * follower's CPU per event. A tapped subscription is still sent, resent on reconnect, stopped and
 * answered (started, stopped, errors) by tRPC's client; only its data messages are read here, once.
 *
 * Only sockets of the `ws` package are tapped (see websocket.ts): in browsers nothing is.
 */
export class SubscriptionTaps {
  private readonly taps = new Map<string, (result: DataResult) => void>();

  /** Routes the data messages of subscription `id` to `tap`; returns the untap. */
  add(id: number, tap: (result: DataResult) => void): () => void {
    const key = String(id);
    this.taps.set(key, tap);
    return () => {
      if (this.taps.get(key) === tap) this.taps.delete(key);
    };
  }

  /**
   * Called with each text message the socket reads: true when it was a tapped subscription's data,
   * now delivered. The id is read from the text (the server writes it first) so that other messages
   * are left to tRPC unparsed.
   */
  take(text: string): boolean {
    if (this.taps.size === 0 || !text.startsWith(ID_PREFIX)) return false;
    const end = text.indexOf(",", ID_PREFIX.length);
    const tap = end > 0 ? this.taps.get(text.slice(ID_PREFIX.length, end)) : undefined;
    if (!tap) return false;
    let message: { result?: Partial<DataResult> };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return false; // tRPC's client reports it
    }
    if (message.result?.type !== "data") return false;
    tap(message.result as DataResult);
    return true;
  }
}

/**
 * Taps a run.events subscription sent with `input`, keeping `input` at the last event taken: tRPC's
 * client resends a subscription's input on reconnect and would resume it from the last data message
 * it handled, and it handles none of a tapped one's. The server resumes after `lastEventId`. The
 * input must be the subscription's own object (a copy of the caller's), sent as it is (no transformer).
 */
export function tapRunEvents(
  taps: SubscriptionTaps,
  id: number,
  input: RunEventsInput,
  deliver: (result: DataResult) => void,
): () => void {
  return taps.add(id, (result) => {
    if (result.id !== undefined) input.lastEventId = result.id;
    deliver(result);
  });
}

// The key, in a run.events subscription's operation context, of what hands a tapped data result
// to the subscriber's own onData.
const DELIVER = Symbol("run.events delivery");

type Deliver = (result: DataResult) => void;
type SubscriptionOptions = Parameters<TRPCUntypedClient<AppRouter>["subscription"]>[2];

/**
 * tRPC's client with `run.events` tapped, when there are taps (a `ws` socket; in a browser it is
 * tRPC's client as it is). Its first link taps each run.events subscription, so its data messages
 * are read off the socket (the subscription itself still goes down the links: the give-up, the
 * WebSocket link), and each subscriber's `onData` travels in the subscription's operation context
 * to that link, which hands it a tapped message directly, as tRPC's client would (the result's
 * data, `this` the options), instead of through the link chain's observers, the chain's `share()`
 * and the client's own observer. Everything else of the subscription (started, stopped, connection
 * states, errors, completion) still comes through them, in the socket's order: every step on
 * either path is synchronous.
 */
export class TappedUntypedClient extends TRPCUntypedClient<AppRouter> {
  constructor(
    opts: { links: TRPCLink<AppRouter>[] },
    private readonly taps: SubscriptionTaps | null,
  ) {
    super({ links: taps ? [tappedRunEventsLink(taps), ...opts.links] : opts.links });
  }

  override subscription(path: string, input: unknown, opts: SubscriptionOptions) {
    const { onData } = opts;
    if (!this.taps || path !== "run.events" || !onData) return super.subscription(path, input, opts);
    const deliver: Deliver = (result) => onData.call(opts, result.data);
    return super.subscription(path, input, { ...opts, context: { ...opts.context, [DELIVER]: deliver } });
  }
}

/** Taps the `run.events` subscriptions going down the links; every other operation passes on. */
function tappedRunEventsLink(taps: SubscriptionTaps): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) => {
      if (op.type !== "subscription" || op.path !== "run.events") return next(op);
      return observable((observer) => {
        const input: RunEventsInput = { ...(op.input as RunEventsInput) };
        const deliver =
          (op.context as { [DELIVER]?: Deliver })[DELIVER] ??
          ((result) => observer.next({ result, context: op.context }));
        const untap = tapRunEvents(taps, op.id, input, deliver);
        const subscription = next({ ...op, input }).subscribe({
          next: (envelope) => observer.next(envelope),
          error: (error) => {
            untap();
            observer.error(error);
          },
          complete: () => {
            untap();
            observer.complete();
          },
        });
        return () => {
          untap();
          subscription.unsubscribe();
        };
      });
    };
}
