// Which WebSocket the client opens: the caller's, else the platform's (browsers, Node 22+), else
// the `ws` package (Node 20), loaded only when needed so that browser bundles never include it.

import { isNode } from "./runtime.js";
import { SubscriptionTaps } from "./subscription-taps.js";

/** A WebSocket class: the platform's, the `ws` package's, or a subclass of either (tRPC reads its readyState constants). */
export interface WebSocketClass {
  new (url: string, protocols?: string | string[]): object;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
}

/** What of a `ws` socket the client uses: its Node events, and the DOM-style listeners tRPC adds. */
interface WsSocket {
  on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): unknown;
  addEventListener(type: string, listener: unknown, options?: unknown): void;
  removeEventListener(type: string, listener: unknown): void;
}

// `ws` takes handshake headers as a third constructor argument, which tRPC does not pass.
type WsClass = new (
  url: string,
  protocols: string | string[] | undefined,
  options: { headers: Record<string, string> },
) => WsSocket;

type MessageListener = ((this: WsSocket, event: MessageLike) => void) | { handleEvent(event: MessageLike): void };

/** The part of a MessageEvent tRPC's client reads. */
interface MessageLike {
  type: "message";
  data: unknown;
  target: WsSocket;
}

/**
 * The class to give tRPC, and how to wait until it can be constructed. Handshake headers need the
 * `ws` package (browsers cannot set them, and Node's built-in WebSocket ignores them).
 */
export interface WebSocketChoice {
  WebSocket: WebSocketClass;
  /** Resolves once `WebSocket` can be constructed; rejects (with what to do) when `ws` cannot be loaded. */
  ready: Promise<void>;
  /** Why no WebSocket can be opened, once that is known. */
  failure: () => Error | undefined;
  /** Where the sockets' tapped subscriptions are read (subscription-taps.ts); null when they cannot be (not `ws`). */
  taps: SubscriptionTaps | null;
}

const READY_STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
const none = () => undefined;

export function chooseWebSocket(
  given: WebSocketClass | undefined,
  headers: Record<string, string> | undefined,
): WebSocketChoice {
  if (given) {
    if (!isWsClass(given)) return { WebSocket: given, ready: Promise.resolve(), failure: none, taps: null };
    const taps = new SubscriptionTaps();
    return { WebSocket: tappedWs(given, taps), ready: Promise.resolve(), failure: none, taps };
  }
  const platform = (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (platform && !(headers && isNode()))
    return { WebSocket: platform, ready: Promise.resolve(), failure: none, taps: null };

  const taps = new SubscriptionTaps();

  let loaded: WsClass | undefined;
  let failure: Error | undefined;
  const ready = loadWs().then(
    (ws) => void (loaded = tappedWs(ws, taps)),
    (error: Error) => {
      failure = error;
      throw error;
    },
  );
  // Awaited by every connection attempt; this keeps a failure from also being an unhandled rejection.
  ready.catch(none);
  // Constructed by tRPC only after `ready`: it awaits the URL first, which waits for it.
  const WebSocket = Object.assign(function (url: string, protocols?: string | string[]) {
    if (!loaded) throw failure ?? new Error("the ws package is not loaded yet");
    return new loaded(url, protocols, { headers: headers ?? {} });
  }, READY_STATES) as unknown as WebSocketClass;
  return { WebSocket, ready, failure: () => failure, taps };
}

// The specifier is a variable so that bundlers leave the import alone: in a browser (which has its
// own WebSocket) this code never runs, and `ws` is an optional peer dependency.
const WS_PACKAGE = "ws";

async function loadWs(): Promise<WsClass> {
  try {
    const module = (await import(/* webpackIgnore: true */ /* @vite-ignore */ WS_PACKAGE)) as {
      default?: WsClass;
      WebSocket?: WsClass;
    };
    const ws = module.default ?? module.WebSocket;
    if (!ws) throw new Error("the ws package has no WebSocket export");
    return ws;
  } catch (error) {
    throw new Error(
      "no WebSocket implementation: this runtime has no global WebSocket (Node 20) or handshake headers were " +
        "asked for, and the ws package could not be loaded: `npm install ws`, or pass `WebSocket`",
      { cause: error },
    );
  }
}

/**
 * `ws`'s WebSocket reading each text message once: the tapped subscriptions' data messages go to
 * their taps, and the rest to every 'message' listener as one shared event. (`ws` wraps each
 * listener on its own, each wrapper decoding the message again into a MessageEvent of its own, and
 * tRPC's client adds three.) Listeners added with options (`once`) keep ws's own handling.
 */
function tappedWs<C extends new (...args: never[]) => WsSocket>(Ws: C, taps: SubscriptionTaps): C {
  const Base = Ws as unknown as new (...args: unknown[]) => WsSocket;
  return class TappedWebSocket extends Base {
    // Made by the first listener, and declared only (a field would be reset to undefined after the
    // constructors of the classes below this one ran, which may add listeners).
    declare private messageListeners: MessageListener[] | undefined;

    override addEventListener(type: string, listener: unknown, options?: unknown): void {
      if (type !== "message" || options !== undefined || !isListener(listener)) {
        super.addEventListener(type, listener, options);
        return;
      }
      if (!this.messageListeners) {
        this.messageListeners = [];
        this.on("message", (data, isBinary) => this.dispatch(data, isBinary));
      }
      if (!this.messageListeners.includes(listener)) this.messageListeners.push(listener);
    }

    override removeEventListener(type: string, listener: unknown): void {
      const index = type === "message" && isListener(listener) ? (this.messageListeners?.indexOf(listener) ?? -1) : -1;
      if (index >= 0) this.messageListeners!.splice(index, 1);
      else super.removeEventListener(type, listener);
    }

    private dispatch(data: Buffer, isBinary: boolean): void {
      const text = isBinary ? null : data.toString();
      if (text !== null && taps.take(text)) return;
      const event: MessageLike = { type: "message", data: text ?? data, target: this };
      for (const listener of [...this.messageListeners!]) {
        if (typeof listener === "function") listener.call(this, event);
        else listener.handleEvent(event);
      }
    }
  } as unknown as C;
}

/** A `ws` class (or a subclass of one): Node-style events under its DOM-style listeners. */
function isWsClass(given: WebSocketClass): given is WebSocketClass & (new (...args: never[]) => WsSocket) {
  const prototype = (given as { prototype?: Partial<WsSocket> }).prototype;
  return typeof prototype?.on === "function" && typeof prototype.addEventListener === "function";
}

function isListener(value: unknown): value is MessageListener {
  return (
    typeof value === "function" ||
    (typeof value === "object" &&
      value !== null &&
      typeof (value as { handleEvent?: unknown }).handleEvent === "function")
  );
}
