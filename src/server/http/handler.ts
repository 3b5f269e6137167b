import type http from "node:http";
import type { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { TRPC_PATH } from "../../shared/api";
import { LimitExceededError } from "../errors";
import { appRouter } from "../routers/_app";
import type { InstanceServices } from "../services";
import type { Context } from "../trpc/context";
import { errorIdOf } from "../trpc/error-ids";
import { identifyRequest } from "../trpc/identify";
import { SUBSCRIPTION_PATHS } from "../trpc/subscription-paths";
import { holdRequestSlot, sendRefusal } from "./address-guard";
import { clientAddress } from "./client-address";
import { allowCrossOrigin, answerPreflight, crossOrigin } from "./cors";
import { isDemoAppPath, sendDemoApp } from "./demo-app";
import { downloadedRunId, sendEventsDownload } from "./events-download";
import { guardRequests } from "./guard";
import { ensureSession, type Pages } from "./next-pages";
import { withPageOpenings } from "./page-openings";
import { sendMetrics, sendReadiness } from "./operations";
import { hostAllowed, isPlainHost, originAllowed, webSocketOrigins } from "./origin";
import { spliceRawJson } from "../trpc/raw-json";
import { isTrpcPath, normalisedPathname, sendJson, sendTrpcError } from "./responses";
import { setSecurityHeaders, usePagePolicy } from "./security-headers";

/**
 * Every plain HTTP request: probes, metrics, the tRPC API (queries and mutations) and, when
 * `pages` is given, the Next.js pages. WebSocket upgrades are routed in ws.ts. Guarded: nothing
 * a request throws reaches the process.
 */
export function createRequestHandler(services: InstanceServices, pages: Pages | null): http.RequestListener {
  const trpcHttp = createHTTPHandler({
    router: appRouter,
    createContext: async ({ req, res }): Promise<Context> => {
      // The request's deadline starts now: the caller lookup and the calls share it.
      const answerBy = Date.now() + services.requestDeadlineMs;
      return {
        services,
        connection: null,
        caller: await identifyRequest(services, req, { answerBy }),
        clientAddress: clientAddress(req, services.addressLimits.settings.trustProxy),
        answerBy,
        rawJson: spliceRawJson(res),
      };
    },
    basePath: `${TRPC_PATH}/`,
    // Over either limit tRPC answers before any call runs: 400 for the batch, 413 for the body.
    maxBatchSize: services.http.maxBatchSize,
    maxBodySize: services.http.maxBodyBytes,
    responseMeta: ({ errors }) => ({ headers: { ...retryAfterHeader(errors), ...VARY_BY_ORIGIN } }),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR")
        services.log.error({ err: error, errorId: errorIdOf(error), path }, "tRPC request failed");
    },
  });

  return guardRequests(services.log, (req, res) => {
    setSecurityHeaders(res);
    const path = normalisedPathname(req.url);
    const downloadRunId = path === null ? null : downloadedRunId(path);
    const isApi = path !== null && (isTrpcPath(path) || downloadRunId !== null);
    // An allowed browser origin may read every answer of the API, refusals included.
    if (isApi) withCorsFor(req, res, services);
    // Refusals decided before any work are answered late to an address that keeps earning them.
    const refuse = (send: () => void) => sendRefusal(services, req, res, send);
    if (path === null) refuse(() => sendJson(res, 400, { error: "malformed URL" }));
    else if (req.headers.host !== undefined && !isPlainHost(req.headers.host)) {
      refuse(() => sendJson(res, 400, { error: "malformed Host header" }));
    } else if (path === "/healthz") sendJson(res, 200, { status: "ok" });
    else if (path === "/readyz") return sendReadiness(services, res);
    else if (path === "/metrics") return sendMetrics(services, req, res);
    else if (!hostAllowed(req.headers, services.origins)) refuse(() => sendJson(res, 421, { error: "unknown host" }));
    else if (isDemoAppPath(path)) return sendDemoApp(req, res, path);
    else if (!holdRequestSlot(services, req, res, path)) {
      // Answered 429: the client's address has too many requests in flight.
    } else if (req.method === "OPTIONS" && isApi) {
      answerPreflight(req, res, services.origins);
    } else if (downloadRunId !== null) {
      return sendEventsDownload(services, req, res, downloadRunId);
    } else if (isTrpcPath(path) && !originAllowed(req.headers, services.origins)) {
      refuse(() =>
        sendTrpcError(res, 403, {
          message: "This origin may not call the API",
          jsonRpcCode: -32003,
          code: "FORBIDDEN",
        }),
      );
    } else if (isTrpcPath(path) && !speaksJson(req)) {
      // tRPC would hand form data or a byte stream to a procedure as its input object.
      refuse(() =>
        sendTrpcError(res, 415, {
          message: "The API takes JSON only",
          jsonRpcCode: -32015,
          code: "UNSUPPORTED_MEDIA_TYPE",
        }),
      );
    } else if (isTrpcPath(path) && procedureCount(path) > services.http.maxBatchSize) {
      // What tRPC answers (its maxBatchSize), decided here from the path alone, before tRPC parses the batch.
      refuse(() =>
        sendTrpcError(res, 400, {
          message: "Batch call exceeds maximum size",
          jsonRpcCode: -32600,
          code: "BAD_REQUEST",
        }),
      );
    } else if (isTrpcPath(path) && callsSubscription(path)) {
      // Subscriptions are served over the WebSocket only, where per-connection limits apply (tRPC's
      // own SSE transport is disabled too): refused here with a message that says where to go.
      refuse(() =>
        sendTrpcError(res, 405, {
          message: `Subscriptions are served over WebSocket at ${TRPC_PATH}`,
          jsonRpcCode: -32005,
          code: "METHOD_NOT_SUPPORTED",
        }),
      );
    } else if (isTrpcPath(path)) trpcHttp(req, res);
    else if (pages) {
      if (!ensureSession(services, req, res, path)) return; // answered 429
      usePagePolicy(req, res, { dev: pages.dev, webSockets: webSocketOrigins(req.headers.host, services.origins) });
      return withPageOpenings(services, req, () => pages.handle(req, res));
    } else {
      res.statusCode = 404;
      res.end("not found");
    }
  });
}

/** A call from an allowed browser origin: its page may read the answer. */
function withCorsFor(req: http.IncomingMessage, res: http.ServerResponse, services: InstanceServices): void {
  const origin = crossOrigin(req, services.origins);
  if (origin !== null) allowCrossOrigin(res, origin);
}

/** Over a limit: HTTP clients get the retry hint as a Retry-After header (whole seconds) too. */
function retryAfterHeader(errors: readonly TRPCError[]): Record<string, string> {
  const waits = errors.map((error) =>
    error.cause instanceof LimitExceededError ? error.cause.retryAfterMs : undefined,
  );
  const longest = Math.max(...waits.filter((ms): ms is number => ms !== undefined));
  return Number.isFinite(longest) ? { "retry-after": String(Math.ceil(longest / 1000)) } : {};
}

// Answers differ by Origin (CORS): added to the Vary tRPC sets (an array is appended, not set).
const VARY_BY_ORIGIN = { vary: ["Origin"] };

/** No content type (GET), or JSON. */
function speaksJson(req: http.IncomingMessage): boolean {
  const type = req.headers["content-type"];
  return type === undefined || /^application\/json\s*(;|$)/i.test(type);
}

/** How many procedures an HTTP call names (a batch is "a,b,…"); `path` is normalised. */
function procedureCount(path: string): number {
  let count = 1;
  for (let at = path.indexOf(",", TRPC_PATH.length); at !== -1; at = path.indexOf(",", at + 1)) count += 1;
  return count;
}

/** True when an HTTP call (possibly batched: "a,b") names a subscription procedure; `path` is normalised. */
function callsSubscription(path: string): boolean {
  return decodeURIComponent(path.slice(TRPC_PATH.length + 1))
    .split(",")
    .some((procedure) => SUBSCRIPTION_PATHS.has(procedure));
}
