import { createTRPCClient, createWSClient, TRPCClientError, wsLink, type TRPCClient } from "@trpc/client";
import WebSocket from "ws";
import type { AppRouter } from "@live-runs/client";

export interface SocketClient {
  /** Every call, queries and mutations too, goes over the one WebSocket. */
  trpc: TRPCClient<AppRouter>;
  close(): Promise<void>;
}

/**
 * A tRPC client that sends everything over a single WebSocket, as a browser tab or a long-lived
 * program may: credentials from the handshake headers (a Cookie) or the connectionParams token.
 */
export function socketClient(url: string, credentials: { token?: string; headers?: Record<string, string> }) {
  const headers = credentials.headers ?? {};
  const HandshakeWebSocket = class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
  const wsClient = createWSClient({
    url: `${url.replace(/^http/, "ws")}/api/trpc`,
    WebSocket: HandshakeWebSocket as unknown as typeof globalThis.WebSocket,
    ...(credentials.token !== undefined ? { connectionParams: { token: credentials.token } } : {}),
  });
  const trpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  return { trpc, close: () => wsClient.close() } satisfies SocketClient;
}

/** The tRPC error code a call ends with, or "OK". */
export async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "OK";
  } catch (error) {
    if (error instanceof TRPCClientError) return String((error as TRPCClientError<AppRouter>).data?.code);
    throw error;
  }
}
