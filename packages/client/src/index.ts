import { createTRPCClientProxy, createWSClient, httpBatchLink, splitLink, wsLink, type TRPCClient } from "@trpc/client";
import { HTTP_BATCH_MAX_ITEMS, TRPC_PATH } from "./api.js";
import type { AppRouter, Run, RunEvent } from "./contract.js";
import { readEventPages, type ReadPagesOptions } from "./event-pages.js";
import { giveUpLink } from "./give-up.js";
import { runEventsOverSocket } from "./run-events-socket.js";
import { nodeHttpFetch } from "./node-http-fetch.js";
import { subscribeToRun, waitForRun, type SubscribeOptions } from "./run-stream.js";
import { requestKeyLink, retryWhenUnavailable } from "./start-retries.js";
import { TappedUntypedClient } from "./subscription-taps.js";
import { chooseWebSocket, type WebSocketClass } from "./websocket.js";

export type {
  ActivityItem,
  AppRouter,
  CanonicalRunStart,
  DebugTraceEvent,
  EventSource,
  EventsPage,
  EventsPageInput,
  NodeFinishedEvent,
  NodeStartedEvent,
  PlanInfo,
  ResumeReason,
  Run,
  RunEvent,
  RunEventBase,
  RunEventsInput,
  RunEventType,
  RunFinishedEvent,
  RunIdInput,
  RunList,
  RunListInput,
  RunResumedEvent,
  RunsErrorData,
  RunsErrorShape,
  RunStartedEvent,
  RunStartInput,
  RunStatus,
  ScreensInput,
  StepSummary,
  TerminalStatus,
  TrackedRunEvent,
  ViewToken,
  ViewTokenInput,
  WordCountInput,
} from "./contract.js";
export type { ReadPagesOptions } from "./event-pages.js";
export type { SubscribeOptions } from "./run-stream.js";
export type { WebSocketClass } from "./websocket.js";
export { TRPC_PATH } from "./api.js";

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_RECONNECT_FOR_MS = 60_000;

export interface RunsClientOptions {
  /** Base URL of a live runs server, e.g. http://127.0.0.1:3000 */
  url: string;
  /** API token (`npm run tokens -- create` on the server): a Bearer header over HTTP, connectionParams on the WebSocket. */
  token?: string | undefined;
  /**
   * Extra headers for every HTTP request and, in Node only, the WebSocket handshake (e.g. a browser
   * session's Cookie for a program acting in that session, or what an authenticating proxy needs).
   * Browsers cannot set handshake headers: there, authenticate the WebSocket with `token`.
   */
  headers?: Record<string, string> | undefined;
  /** A subscription fails when the WebSocket has not opened within this long (default 10 s). */
  connectTimeoutMs?: number | undefined;
  /** After a drop, subscriptions resume if the connection is back within this long (default 60 s), else fail. */
  reconnectForMs?: number | undefined;
  /** Delay before reconnect attempt n (0-based); defaults to tRPC's capped exponential backoff. */
  retryDelayMs?: ((attempt: number) => number) | undefined;
  /** Connection state changes of the WebSocket (subscriptions resume by themselves on reopen). */
  onOpen?: (() => void) | undefined;
  onClose?: (() => void) | undefined;
  /**
   * WebSocket implementation. Default: the global WebSocket (browsers, Node 22+), else the `ws`
   * package (Node 20, or when `headers` must go on the handshake), loaded when first needed.
   */
  WebSocket?: WebSocketClass | undefined;
}

export interface RunsClient {
  /** The typed tRPC client: every procedure of the server's `run` router. */
  trpc: TRPCClient<AppRouter>;
  /**
   * A run's events after `fromSeq` (stored, then live), once each and in seq order, ending after
   * RunFinished; resumes by itself after a dropped connection, rejects when the client gives up.
   */
  subscribeToRun: (runId: string, options?: SubscribeOptions) => AsyncGenerator<RunEvent, void, undefined>;
  /**
   * A run's stored events after `afterSeq`, 1,000 a page (`run.eventsPage`) in seq order, the next
   * pages asked for while one is handled: for reading a long run whole. Ends at the last stored event.
   */
  readEventPages: (runId: string, options?: ReadPagesOptions) => AsyncGenerator<RunEvent[], void, undefined>;
  /** The run once it finished (succeeded, failed or cancelled). */
  waitForRun: (runId: string, options?: { signal?: AbortSignal | undefined }) => Promise<Run>;
  /** Closes the WebSocket (pending subscriptions end) and the idle HTTP connections. */
  close: () => Promise<void>;
}

/**
 * A typed client for Node programs and browsers: queries and mutations over batched HTTP (node:http
 * in Node, fetch elsewhere),
 * `run.events` over a WebSocket that reconnects and resumes each subscription from the last
 * event it delivered, and gives up (the subscription fails) after connectTimeoutMs without a first
 * connection or reconnectForMs without the lost one.
 */
export function createRunsClient(options: RunsClientOptions): RunsClient {
  const base = new URL(TRPC_PATH, options.url);
  const wsUrl = new URL(base);
  wsUrl.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  const headers = {
    ...options.headers,
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  };
  const webSocket = chooseWebSocket(options.WebSocket, options.headers);
  const wsClient = createWSClient({
    // Asked for before each connection attempt: the `ws` package, when needed, is loaded first.
    url: async () => {
      await webSocket.ready;
      return wsUrl.toString();
    },
    WebSocket: webSocket.WebSocket as unknown as typeof globalThis.WebSocket,
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
    failure: webSocket.failure,
  };
  // In Node, HTTP calls go over node:http, far cheaper than Node's fetch; browsers use their fetch.
  const http = nodeHttpFetch();
  const links = [
    requestKeyLink,
    retryWhenUnavailable,
    splitLink({
      condition: (op) => op.type === "subscription",
      true: [giveUpLink(wsClient, giveUp), wsLink({ client: wsClient })],
      false: httpBatchLink({
        url: base.toString(),
        headers,
        maxItems: HTTP_BATCH_MAX_ITEMS,
        ...(http ? { fetch: http.fetch } : {}),
      }),
    }),
  ];
  // With taps (Node, `ws`), run.events data goes from the socket straight to onData: see subscription-taps.ts.
  const trpc = createTRPCClientProxy<AppRouter>(new TappedUntypedClient({ links }, webSocket.taps));
  // subscribeToRun's subscriptions skip the link chain (see run-events-socket.ts).
  const runEvents = runEventsOverSocket(wsClient, giveUp, webSocket.taps);
  return {
    trpc,
    subscribeToRun: (runId, subscribeOptions) => subscribeToRun(runEvents, runId, subscribeOptions),
    readEventPages: (runId, readOptions) => readEventPages(trpc, runId, readOptions),
    waitForRun: (runId, waitOptions) => waitForRun(trpc, runEvents, runId, waitOptions),
    close: () => {
      http?.close();
      return wsClient.close();
    },
  };
}
