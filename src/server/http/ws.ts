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
import { clientAddress, type RequestPeer } from "./client-address";
import { guardedWebSocket, type BatchedCall, type CallGatedSocket } from "./guarded-socket";
import { startKeepAlive, type KeepAliveSocket } from "./keep-alive";
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
    // Kept by one timer for every socket instead (keep-alive.ts); tRPC still answers clients' PINGs.
    keepAlive: { enabled: false },
    // Each event is encoded once for all its subscribers; the frames are what JSON.stringify makes.
    experimental_encoder: trackedPayloadEncoder,
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR")
        services.log.error({ err: error, errorId: errorIdOf(error), path }, "tRPC subscription failed");
    },
  });
  // Every client is a guardedWebSocket, which keeps the keep-alive's state.
  const keepAlive = startKeepAlive(wss.clients as Set<WebSocket & KeepAliveSocket>, limits);
  return {
    onUpgrade(req, socket, head) {
      const path = normalisedPathname(req.url);
      if (path === null) socket.end(rawResponse("400 Bad Request"));
      else if (isTrpcPath(path) && !originAllowed(req.headers, services.origins)) {
        socket.end(rawResponse("403 Forbidden"));
      } else if (isTrpcPath(path))
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, connectionRequest(req)));
      else if (pageUpgrades && pageUpgrades.listenerCount("upgrade") > 0)
        pageUpgrades.emit("upgrade", req, socket, head);
      else socket.destroy();
    },
    announceReconnect: () => trpcWs.broadcastReconnectNotification(),
    close() {
      keepAlive.stop();
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

/** What a WebSocket's context (identify.ts, client-address.ts) and tRPC's handler read of its upgrade request. */
type ConnectionRequest = RequestPeer & Pick<http.IncomingMessage, "url">;

/**
 * The upgrade request as tRPC's handler gets it: the handler keeps what it is given for the life of
 * the connection (its closures hold it), and an IncomingMessage with every header is ~1 KB per idle
 * subscriber. This keeps the URL (connectionParams), the headers a caller is identified and counted
 * by, and the peer's address.
 */
function connectionRequest(req: http.IncomingMessage): ConnectionRequest {
  const { host, authorization, cookie, origin } = req.headers;
  const forwardedFor = req.headers["x-forwarded-for"];
  const headers: http.IncomingHttpHeaders = {};
  if (host !== undefined) headers.host = host;
  if (authorization !== undefined) headers.authorization = authorization;
  if (cookie !== undefined) headers.cookie = cookie;
  if (origin !== undefined) headers.origin = origin;
  if (forwardedFor !== undefined) headers["x-forwarded-for"] = forwardedFor;
  return { url: req.url, headers, socket: { remoteAddress: req.socket.remoteAddress } };
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
