import type { EventEmitter } from "node:events";
import type http from "node:http";
import type { Duplex } from "node:stream";
import { getErrorShape, TRPCError } from "@trpc/server";
import { applyWSSHandler, type CreateWSSContextFnOptions } from "@trpc/server/adapters/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { isAnonymous } from "../auth/owner";
import { appRouter } from "../routers/_app";
import type { InstanceServices } from "../services";
import type { ConnectionState, Context } from "../trpc/context";
import { withoutStackTrace } from "../errors";
import { errorIdOf } from "../trpc/error-ids";
import { identifyRequest } from "../trpc/identify";
import { clientAddress } from "./client-address";
import { guardedWebSocket, type BatchedCall, type CallGatedSocket } from "./guarded-socket";
import { rawResponse } from "./guard";
import { trackedPayloadEncoder } from "./ws-encoder";
import { originAllowed } from "./origin";
import { isTrpcPath, normalisedPathname } from "./responses";

export interface WebSocketEndpoint {
  /** Routes an HTTP upgrade: tRPC's path to tRPC, anything else to Next (HMR) or nowhere. */
  onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Tells every client to reconnect (to another instance), e.g. before shutting down. */
  announceReconnect(): void;
  close(): void;
}

/** tRPC over WebSocket: subscriptions (and any call a client sends there), one context per socket. */
export function createWebSocketEndpoint(
  services: InstanceServices,
  messageBytes: number,
  pageUpgrades: EventEmitter | null,
): WebSocketEndpoint {
  const { limits, log } = services;
  // Client messages are small JSON requests; anything larger is refused by ws (close 1009).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: messageBytes,
    WebSocket: guardedWebSocket({
      maxBufferedBytes: limits.socketBufferBytes,
      maxMessageBytes: messageBytes,
      callsInFlight: limits.callsInFlightPerConnection,
      callsPerMessage: limits.callsPerMessage,
      subscriptionsPerMessage: limits.subscriptionsPerConnection,
      refusals: batchRefusals,
      onDropped: (buffered) => log.warn({ buffered }, "dropping a socket that stopped reading"),
    }),
  });
  const trpcWs = applyWSSHandler({
    wss,
    router: appRouter,
    // Called once per WebSocket connection: its state is shared by that socket's subscriptions.
    createContext: async ({ req, res, info }: CreateWSSContextFnOptions): Promise<Context> => {
      const socket = res as WebSocket & CallGatedSocket;
      const connection: ConnectionState = { socket, subscriptions: 0, callsInFlight: 0, callSettled: null };
      const caller = await identifyRequest(services, req, { connectionToken: info.connectionParams?.token });
      const address = clientAddress(req, services.addressLimits.settings.trustProxy);
      // Anonymous owners cost nothing to mint: their address's allowance paces what its sockets ask.
      const pace = isAnonymous(caller)
        ? (requests: number) => services.addressLimits.paceAnonymousCalls(address, requests)
        : undefined;
      // Its calls were held until now (tRPC would only have queued them); they go once this context is in place.
      connection.callSettled = socket.gateCalls(() => connection.callsInFlight, pace);
      return {
        services,
        connection,
        clientAddress: address,
        caller,
        answerBy: null,
        rawJson: null,
      };
    },
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    // Each event is encoded once for all its subscribers; the frames are what JSON.stringify makes.
    experimental_encoder: trackedPayloadEncoder,
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR")
        services.log.error({ err: error, errorId: errorIdOf(error), path }, "tRPC subscription failed");
    },
  });
  return {
    onUpgrade(req, socket, head) {
      const path = normalisedPathname(req.url);
      if (path === null) socket.end(rawResponse("400 Bad Request"));
      else if (isTrpcPath(path) && !originAllowed(req.headers, services.origins)) {
        socket.end(rawResponse("403 Forbidden"));
      } else if (isTrpcPath(path)) wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
      else if (pageUpgrades && pageUpgrades.listenerCount("upgrade") > 0)
        pageUpgrades.emit("upgrade", req, socket, head);
      else socket.destroy();
    },
    announceReconnect: () => trpcWs.broadcastReconnectNotification(),
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

/**
 * The answers to the calls of a batch refused for its size: tRPC's error shape, as the client
 * expects. One error (with no stack trace, as LimitExceededError) and one shape per path, not per
 * call: a client can send a batch of refusals in every message.
 */
function batchRefusals(calls: readonly BatchedCall[], message: string): string[] {
  const error = withoutStackTrace(() => new TRPCError({ code: "PAYLOAD_TOO_LARGE", message }));
  const shapes = new Map<string | undefined, unknown>();
  const shapeFor = (path: string | undefined) => {
    let shape = shapes.get(path);
    if (shape === undefined) {
      const config = appRouter._def._config;
      shape = getErrorShape({ config, error, type: "unknown", path, input: undefined, ctx: undefined });
      shapes.set(path, shape);
    }
    return shape;
  };
  return calls.map((call) =>
    JSON.stringify({ id: call.id, ...(call.jsonrpc ? { jsonrpc: call.jsonrpc } : {}), error: shapeFor(call.path) }),
  );
}
