import type http from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { TRPC_PATH } from "../../shared/api";
import { originAllowed } from "../auth/owner";
import { appRouter } from "../routers/_app";
import type { InstanceServices } from "../services";
import type { Context } from "../trpc/context";
import { identifyRequest } from "../trpc/identify";
import { SUBSCRIPTION_PATHS } from "../trpc/subscription-paths";
import { checkReadiness } from "./health";
import { ensureSession } from "./next-pages";
import { isTrpcPath, sendJson, sendTrpcError } from "./responses";

/**
 * Every plain HTTP request: probes, metrics, the tRPC API (queries and mutations) and, when
 * `pages` is given, the Next.js pages. WebSocket upgrades are routed in ws.ts.
 */
export function createRequestHandler(
  services: InstanceServices,
  pages: http.RequestListener | null,
): http.RequestListener {
  const trpcHttp = createHTTPHandler({
    router: appRouter,
    createContext: async ({ req }): Promise<Context> => ({
      services,
      connection: null,
      caller: await identifyRequest(services, req),
    }),
    basePath: `${TRPC_PATH}/`,
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") services.log.error({ err: error, path }, "tRPC request failed");
    },
  });

  return (req, res) => {
    const path = req.url?.split("?")[0];
    if (path === "/healthz") sendJson(res, 200, { status: "ok" });
    else if (path === "/readyz") void sendReadiness(services, res);
    else if (path === "/metrics") void sendMetrics(services, res);
    else if (isTrpcPath(req.url) && !originAllowed(req.headers, services.auth.allowedOrigins)) {
      sendTrpcError(res, 403, { message: "This origin may not call the API", jsonRpcCode: -32003, code: "FORBIDDEN" });
    } else if (isTrpcPath(req.url) && callsSubscription(req.url!)) {
      // Subscriptions are served over the WebSocket only, where per-connection limits apply; tRPC
      // would otherwise also stream them over HTTP (SSE), past those limits.
      sendTrpcError(res, 405, {
        message: `Subscriptions are served over WebSocket at ${TRPC_PATH}`,
        jsonRpcCode: -32005,
        code: "METHOD_NOT_SUPPORTED",
      });
    } else if (isTrpcPath(req.url)) trpcHttp(req, res);
    else if (pages) {
      ensureSession(services.auth, req, res);
      pages(req, res);
    } else {
      res.statusCode = 404;
      res.end("not found");
    }
  };
}

/** True when an HTTP call (possibly batched: "a,b") names a subscription procedure. */
function callsSubscription(url: string): boolean {
  const paths = url.slice(TRPC_PATH.length + 1).split("?")[0]!;
  return decodeURIComponent(paths)
    .split(",")
    .some((path) => SUBSCRIPTION_PATHS.has(path));
}

async function sendReadiness(services: InstanceServices, res: http.ServerResponse): Promise<void> {
  const readiness = await checkReadiness({
    db: services.database.db,
    outboxRunning: () => services.outbox.isRunning,
    timeoutMs: 2_000,
  });
  sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? "ready" : "not ready", ...readiness.checks });
}

async function sendMetrics(services: InstanceServices, res: http.ServerResponse): Promise<void> {
  const { registry } = services.metrics;
  try {
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType }).end(body);
  } catch (error) {
    services.log.error({ err: error }, "collecting metrics failed");
    sendJson(res, 503, { status: "metrics unavailable" });
  }
}
