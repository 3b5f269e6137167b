// Which WebSocket the client opens: the caller's, else the platform's (browsers, Node 22+), else
// the `ws` package (Node 20), loaded only when needed so that browser bundles never include it.

import { isNode } from "./runtime.js";

/** A WebSocket class: the platform's, the `ws` package's, or a subclass of either (tRPC reads its readyState constants). */
export interface WebSocketClass {
  new (url: string, protocols?: string | string[]): object;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
}

// `ws` takes handshake headers as a third constructor argument, which tRPC does not pass.
type WsClass = new (
  url: string,
  protocols: string | string[] | undefined,
  options: { headers: Record<string, string> },
) => object;

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
}

const READY_STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
const none = () => undefined;

export function chooseWebSocket(
  given: WebSocketClass | undefined,
  headers: Record<string, string> | undefined,
): WebSocketChoice {
  if (given) return { WebSocket: given, ready: Promise.resolve(), failure: none };
  const platform = (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (platform && !(headers && isNode())) return { WebSocket: platform, ready: Promise.resolve(), failure: none };

  let loaded: WsClass | undefined;
  let failure: Error | undefined;
  const ready = loadWs().then(
    (ws) => void (loaded = ws),
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
  return { WebSocket, ready, failure: () => failure };
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
