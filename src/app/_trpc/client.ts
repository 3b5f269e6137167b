import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpLink,
  splitLink,
  wsLink,
  type Operation,
  type OperationLink,
  type TRPCLink,
} from "@trpc/client";
import { HTTP_BATCH_MAX_ITEMS, TRPC_PATH } from "../../shared/api";
import type { AppRouter } from "./types";

/** The tRPC WebSocket on the page's own origin: the custom server serves both on one port. */
function webSocketUrl(): string {
  const protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${protocol}//${window.location.host}${TRPC_PATH}`;
}

/**
 * A wsLink whose socket opens on the first subscription. Subscriptions only start in effects,
 * so this runs in the browser; during server rendering (Node 20 has no global WebSocket) the
 * client is created but never subscribes.
 */
function browserWsLink(): TRPCLink<AppRouter> {
  return (runtime) => {
    let link: OperationLink<AppRouter> | null = null;
    return (opts) => {
      link ??= wsLink<AppRouter>({
        // Pings notice a socket that died silently (sleep, network change), so it is replaced and resumed.
        client: createWSClient({
          url: webSocketUrl(),
          keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
        }),
      })(runtime);
      return link(opts);
    };
  };
}

/**
 * Queries and mutations over batched HTTP, subscriptions over the WebSocket (which resumes with
 * lastEventId). A call made with `context: { skipBatch: true }` goes on a request of its own.
 */
export function createAppTRPCClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op: Operation) => op.type === "subscription",
        true: browserWsLink(),
        false: splitLink({
          condition: (op: Operation) => op.context.skipBatch === true,
          true: httpLink({ url: TRPC_PATH }),
          false: httpBatchLink({ url: TRPC_PATH, maxItems: HTTP_BATCH_MAX_ITEMS }),
        }),
      }),
    ],
  });
}
