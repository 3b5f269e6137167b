import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { applyWSSHandler, type CreateWSSContextFnOptions } from "@trpc/server/adapters/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Database } from "../db/client";
import { applyMigrations } from "../db/migrate";
import type { ConnectionLimits, Context, Services } from "./context";
import { RunExecutor } from "./executor/executor";
import { canonicalPlan, type PlanNode } from "./executor/plan";
import type { Logger } from "./log";
import { RunEventFanout } from "./outbox/fanout";
import { OutboxPoller } from "./outbox/poller";
import { identifyCaller, originAllowed } from "./auth/owner";
import { readCookie, SESSION_COOKIE, SessionCookies, sessionCookieHeader } from "./auth/session-cookie";
import { loadSessionSecret } from "./auth/session-secret";
import { databaseUnavailableError, isDatabaseUnavailable } from "./db-errors";
import { checkReadiness } from "./health";
import { createMetrics } from "./metrics";
import { appRouter } from "./routers/_app";
import type { OwnerLimits } from "./runs/start-within-limits";

export const TRPC_PATH = "/api/trpc";

export interface ServerOptions {
  host: string;
  port: number;
  database: Database;
  log: Logger;
  /** Serve the Next.js pages too (dev: with HMR). Omitted: API only, as in the API tests. */
  next?: { dev: boolean; dir: string };
  executor: {
    concurrency: number;
    pollMs: number;
    leaseMs: number;
    heartbeatMs: number;
    nodeTimeoutMs: number;
    plan?: readonly PlanNode[];
  };
  outbox: { pollMs: number; batchSize: number };
  /** Live events a subscriber may fall behind by before it is switched to reading the table. */
  inboxCapacity?: number;
  cancelSettleTimeoutMs?: number;
  limits?: Partial<ConnectionLimits> & { messageBytes?: number };
  ownerLimits?: Partial<OwnerLimits>;
  auth?: {
    /** Signs session cookies; when absent, a secret generated once and kept in the database. */
    sessionSecret?: string;
    sessionMaxAgeMs?: number;
    allowedOrigins?: readonly string[];
    secureCookies?: boolean;
  };
  shutdownGraceMs: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** The lease owner id this instance writes on the runs it executes. */
  instanceId: string;
  services: Services;
  /** Graceful stop: no new runs, WS clients told to reconnect, runs and outbox drained, pool closed. */
  close(): Promise<void>;
}

/** One process, one port: Next.js pages, tRPC over HTTP and WebSocket, the executor and the outbox. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { database, log } = options;
  await applyMigrations(database);

  const outbox = new OutboxPoller({
    db: database.db,
    ...options.outbox,
    log,
    onPublished: (events) => metrics.eventsPublished(events.map((event) => event.ts)),
  });
  const fanout = new RunEventFanout({ inboxCapacity: options.inboxCapacity ?? 10_000, log });
  const instanceId = randomUUID();
  // Every append goes through here: count it and publish it at once.
  const onAppended = () => {
    metrics.eventAppended();
    outbox.wake();
  };
  const executor = new RunExecutor({
    database,
    instanceId,
    ...options.executor,
    plan: options.executor.plan ?? canonicalPlan,
    onAppended,
    log,
  });
  const metrics = createMetrics({
    db: database.db,
    activeSubscriptions: () => fanout.subscriberCount,
    executorActiveRuns: () => executor.activeCount,
    executorConcurrency: options.executor.concurrency,
  });
  const services: Services = {
    database,
    outbox,
    fanout,
    executor,
    onAppended,
    log,
    cancelSettleTimeoutMs: options.cancelSettleTimeoutMs ?? 2_000,
    limits: {
      subscriptionsPerConnection: options.limits?.subscriptionsPerConnection ?? 100,
      socketBufferBytes: options.limits?.socketBufferBytes ?? 4 * 1024 * 1024,
    },
    ownerLimits: {
      startsPerMinute: options.ownerLimits?.startsPerMinute ?? 120,
      activeRunsPerOwner: options.ownerLimits?.activeRunsPerOwner ?? 50,
    },
    auth: {
      sessions: new SessionCookies(
        await loadSessionSecret(database.db, options.auth?.sessionSecret),
        options.auth?.sessionMaxAgeMs ?? 30 * 24 * 60 * 60 * 1000,
      ),
      allowedOrigins: options.auth?.allowedOrigins ?? [],
      secureCookies: options.auth?.secureCookies ?? false,
    },
  };
  const { sessions, allowedOrigins, secureCookies } = services.auth;
  // Looking up a token needs the database: an outage is a 503 here too, not an internal error.
  const identify = (req: http.IncomingMessage, connectionToken?: string) =>
    identifyCaller(database.db, sessions, req.headers, connectionToken).catch((error: unknown) => {
      throw isDatabaseUnavailable(error) ? databaseUnavailableError(error) : error;
    });
  const createContext = async ({ req }: { req: http.IncomingMessage }): Promise<Context> => ({
    services,
    connection: null,
    caller: await identify(req),
  });

  const trpcHttp = createHTTPHandler({
    router: appRouter,
    createContext,
    basePath: `${TRPC_PATH}/`,
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") log.error({ err: error, path }, "tRPC request failed");
    },
  });
  // Next attaches its upgrade listener (HMR in dev) to the server it is given. It gets a relay
  // that only ever sees non-tRPC upgrades, so one socket is never answered twice.
  const nextUpgrades = new EventEmitter();
  const nextRequests = options.next ? await prepareNext(options, nextUpgrades) : null;

  const server = http.createServer((req, res) => {
    const path = req.url?.split("?")[0];
    if (path === "/healthz") sendJson(res, 200, { status: "ok" });
    else if (path === "/readyz") void sendReadiness(res);
    else if (path === "/metrics") void sendMetrics(res);
    else if (isTrpcPath(req.url) && !originAllowed(req.headers, allowedOrigins)) refuseOrigin(res);
    else if (isTrpcPath(req.url) && callsSubscription(req.url!)) refuseSubscriptionOverHttp(res);
    else if (isTrpcPath(req.url)) trpcHttp(req, res);
    else if (nextRequests) {
      ensureSession(req, res);
      void nextRequests(req, res);
    } else {
      res.statusCode = 404;
      res.end("not found");
    }
  });

  // Client messages are small JSON requests; anything larger is refused by ws (close 1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.limits?.messageBytes ?? 64 * 1024 });
  const trpcWs = applyWSSHandler({
    wss,
    router: appRouter,
    // Called once per WebSocket connection: its state is shared by that socket's subscriptions.
    createContext: async ({ req, res, info }: CreateWSSContextFnOptions): Promise<Context> => ({
      services,
      connection: { socket: res as WebSocket, subscriptions: 0 },
      caller: await identify(req, info.connectionParams?.token),
    }),
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") log.error({ err: error, path }, "tRPC subscription failed");
    },
  });
  server.on("upgrade", (req, socket, head) => {
    if (isTrpcPath(req.url) && !originAllowed(req.headers, allowedOrigins)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
    } else if (isTrpcPath(req.url)) wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    else if (nextUpgrades.listenerCount("upgrade") > 0) nextUpgrades.emit("upgrade", req, socket, head);
    else socket.destroy();
  });

  /** Page requests without a valid session get a new anonymous one: no sign-up to try the app. */
  function ensureSession(req: http.IncomingMessage, res: http.ServerResponse) {
    if (req.url?.startsWith("/_next/") || sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE))) return;
    const session = sessions.issue();
    res.setHeader("Set-Cookie", sessionCookieHeader(session.value, session.maxAgeSeconds, secureCookies));
  }

  async function sendReadiness(res: http.ServerResponse) {
    const readiness = await checkReadiness({
      db: database.db,
      outboxRunning: () => outbox.isRunning,
      timeoutMs: 2_000,
    });
    sendJson(res, readiness.ready ? 200 : 503, {
      status: readiness.ready ? "ready" : "not ready",
      ...readiness.checks,
    });
  }
  async function sendMetrics(res: http.ServerResponse) {
    try {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body);
    } catch (error) {
      log.error({ err: error }, "collecting metrics failed");
      sendJson(res, 503, { status: "metrics unavailable" });
    }
  }

  await fanout.start(database);
  outbox.start();
  await executor.start();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  log.info({ url, database: database.kind, instanceId }, "live runs server listening");

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await executor.stop(options.shutdownGraceMs);
      trpcWs.broadcastReconnectNotification();
      await outbox.drain();
      await outbox.stop();
      await fanout.stop();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
      log.info("live runs server stopped");
    })());

  return { url, port, instanceId, services, close };
}

const subscriptionPaths = new Set(
  Object.entries(appRouter._def.procedures)
    .filter(([, procedure]) => (procedure as unknown as { _def: { type: string } })._def.type === "subscription")
    .map(([path]) => path),
);

/** True when an HTTP call (possibly batched: "a,b") names a subscription procedure. */
function callsSubscription(url: string): boolean {
  const paths = url.slice(TRPC_PATH.length + 1).split("?")[0]!;
  return decodeURIComponent(paths)
    .split(",")
    .some((path) => subscriptionPaths.has(path));
}

// Subscriptions are served over the WebSocket only, where per-connection limits apply; tRPC would
// otherwise also stream them over HTTP (SSE), past those limits.
function refuseOrigin(res: http.ServerResponse): void {
  sendJson(res, 403, {
    error: { message: "This origin may not call the API", code: -32003, data: { code: "FORBIDDEN", httpStatus: 403 } },
  });
}

function refuseSubscriptionOverHttp(res: http.ServerResponse): void {
  sendJson(res, 405, {
    error: {
      message: `Subscriptions are served over WebSocket at ${TRPC_PATH}`,
      code: -32005,
      data: { code: "METHOD_NOT_SUPPORTED", httpStatus: 405 },
    },
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function isTrpcPath(url: string | undefined): boolean {
  return url === TRPC_PATH || url?.startsWith(`${TRPC_PATH}/`) === true || url?.startsWith(`${TRPC_PATH}?`) === true;
}

async function prepareNext(options: ServerOptions, upgrades: EventEmitter): Promise<http.RequestListener> {
  const { default: next } = await import("next");
  const app = next({
    dev: options.next!.dev,
    dir: options.next!.dir,
    hostname: options.host,
    port: options.port,
    httpServer: upgrades as unknown as http.Server,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  return (req, res) => void handle(req, res);
}
