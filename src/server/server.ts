import { EventEmitter } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { applyMigrations } from "../db/migrate";
import { answerClientError, guardUpgrades } from "./http/guard";
import { createRequestHandler } from "./http/handler";
import { onlyKnownHosts } from "./http/origin";
import { preparePages, warmPages } from "./http/next-pages";
import { installPageOpenings } from "./http/page-openings";
import { DEMO_APP_PATH } from "./http/demo-app";
import { createWebSocketEndpoint } from "./http/ws";
import { createServices, type InstanceServices, type ServiceOptions } from "./services";

export type ServerOptions = ServiceOptions;

export interface RunningServer {
  url: string;
  port: number;
  /** The lease owner id this instance writes on the runs it executes. */
  instanceId: string;
  services: InstanceServices;
  /** Graceful stop: no new runs, WS clients told to reconnect, runs and outbox drained, pool closed. */
  close(): Promise<void>;
}

/** One process, one port: Next.js pages, tRPC over HTTP and WebSocket, the executor and the outbox. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { database, log } = options;
  await applyMigrations(database);
  const services = await createServices(options);
  const { fanout, outbox, executor, janitor, instanceId } = services;

  const pageUpgrades = options.pages ? new EventEmitter() : null;
  if (options.pages) installPageOpenings();
  const pages = options.pages
    ? await preparePages({ ...options.pages, host: options.host, port: options.port, upgrades: pageUpgrades! })
    : null;
  const webSocket = createWebSocketEndpoint(services, options.connectionLimits.messageBytes, pageUpgrades);
  const server = http.createServer(createRequestHandler(services, pages));
  const upgrade = onlyKnownHosts(services.origins, (req, socket, head) => webSocket.onUpgrade(req, socket, head));
  server.on("upgrade", guardUpgrades(log, upgrade));
  server.on("clientError", answerClientError);

  await fanout.start(database);
  outbox.start();
  await executor.start();
  janitor.start();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  if (pages && !pages.dev) await warmPages(services.auth.sessions, url, new URL(options.http.publicOrigin ?? url).host);
  log.info({ url, database: database.kind, instanceId }, "live runs server listening");
  if (options.crawlAllowedOrigins.length === 0) {
    // By default plans may fetch only this server's demo app, by any name it is reached at.
    const origins = options.http.publicOrigin ? [options.http.publicOrigin] : ownOrigins(url, port);
    services.plans.settings = { fetchAllowed: origins.map((origin) => `${origin}${DEMO_APP_PATH}/`) };
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await executor.stop(options.shutdownGraceMs);
      await janitor.stop();
      webSocket.announceReconnect();
      await outbox.drain();
      await outbox.stop();
      await fanout.stop();
      webSocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
      log.info("live runs server stopped");
    })());

  return { url, port, instanceId, services, close };
}

/** The origins a server listening at `url` is reached at from this machine. */
function ownOrigins(url: string, port: number): string[] {
  const loopback = [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
  return [...new Set([new URL(url).origin, ...loopback])];
}
