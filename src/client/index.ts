import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink, type TRPCClient } from "@trpc/client";
import WebSocket from "ws";
import type { AppRouter } from "../server/routers/_app";
import { HTTP_BATCH_MAX_ITEMS, TRPC_PATH } from "../shared/api";
import { giveUpLink } from "./give-up";
import { requestKeyLink, retryWhenUnavailable } from "./start-retries";

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_RECONNECT_FOR_MS = 60_000;

export type { AppRouter } from "../server/routers/_app";
export type { RunEvent } from "../server/events/types";
export type { Run } from "../server/runs/types";
/**
 * run.start's input: one shape per plan this client was compiled with. A plan the server registers
 * beyond those is started with a cast, `{ plan, input } as RunStartInput`, and checked by the server.
 */
export type { StartInput as RunStartInput } from "../server/runs/plans";

export interface RunsClientOptions {
  /** Base URL of a live runs server, e.g. http://127.0.0.1:3000 */
  url: string;
  /** API token (see `npm run tokens`): sent as a Bearer header over HTTP and in the WebSocket's connectionParams. */
  token?: string;
  /** Delay before reconnect attempt n (0-based); defaults to tRPC's capped exponential backoff. */
  retryDelayMs?: (attempt: number) => number;
  /** Connection state changes of the WebSocket (subscriptions resume by themselves on reopen). */
  onOpen?: () => void;
  onClose?: () => void;
  /**
   * Extra headers for every HTTP request and the WebSocket handshake, e.g. a browser session's
   * Cookie for a program acting in that session, or what an authenticating proxy needs.
   */
  headers?: Record<string, string>;
  /** A subscription fails when the WebSocket has not opened within this long (default 10 s). */
  connectTimeoutMs?: number;
  /** After a drop, subscriptions resume if the connection is back within this long (default 60 s), else fail. */
  reconnectForMs?: number;
  /** WebSocket implementation; defaults to the `ws` package. */
  WebSocket?: new (url: string | URL, protocols?: string | string[]) => WebSocket;
}

export interface RunsClient {
  trpc: TRPCClient<AppRouter>;
  /** Closes the WebSocket; pending subscriptions end. */
  close: () => Promise<void>;
}

/**
 * A typed client for Node programs: queries and mutations over batched HTTP, `run.events` over a
 * WebSocket that reconnects and resumes each subscription from the last event it delivered.
 */
export function createRunsClient(options: RunsClientOptions): RunsClient {
  const base = new URL(TRPC_PATH, options.url);
  const wsUrl = new URL(base);
  wsUrl.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  const headers = {
    ...options.headers,
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  };
  const handshakeHeaders = options.headers;
  // The `ws` package takes handshake headers as a constructor option that tRPC does not pass.
  const DefaultWebSocket = handshakeHeaders
    ? class extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols, { headers: handshakeHeaders });
        }
      }
    : WebSocket;
  const wsClient = createWSClient({
    url: wsUrl.toString(),
    WebSocket: (options.WebSocket ?? DefaultWebSocket) as unknown as typeof globalThis.WebSocket,
    ...(options.token ? { connectionParams: { token: options.token } } : {}),
    ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(options.onOpen ? { onOpen: options.onOpen } : {}),
    ...(options.onClose ? { onClose: options.onClose } : {}),
    // Notices a dead connection (e.g. a proxy that silently dropped it) and reconnects.
    keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 10_000 },
  });
  const giveUp = {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    reconnectForMs: options.reconnectForMs ?? DEFAULT_RECONNECT_FOR_MS,
  };
  const trpc = createTRPCClient<AppRouter>({
    links: [
      requestKeyLink,
      retryWhenUnavailable,
      splitLink({
        condition: (op) => op.type === "subscription",
        true: [giveUpLink(wsClient, giveUp), wsLink({ client: wsClient })],
        false: httpBatchLink({ url: base.toString(), headers, maxItems: HTTP_BATCH_MAX_ITEMS }),
      }),
    ],
  });
  return { trpc, close: () => wsClient.close() };
}
