// CORS for the browser origins in ALLOWED_ORIGINS: their pages call the API with a token in the
// Authorization header (never cookies: no credentials mode), so the browser must be told, per
// response, that it may read it, and preflights must be answered before tRPC sees them.
import type http from "node:http";
import type { OriginPolicy } from "./origin";

/** What a cross-origin page may send: tRPC's JSON, its batch and streaming headers, and the token. */
const ALLOWED_HEADERS = "authorization, content-type, trpc-accept, x-trpc-source, x-trpc-batch-mode";
const ALLOWED_METHODS = "GET, POST, OPTIONS";
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** The request's Origin when it is one of ALLOWED_ORIGINS (compared whole), else null. */
export function crossOrigin(req: http.IncomingMessage, policy: OriginPolicy): string | null {
  const origin = req.headers.origin;
  return origin !== undefined && policy.allowedOrigins.includes(origin) ? origin : null;
}

/** Lets the allowed origin read this response; caches keep one answer per Origin. */
export function allowCrossOrigin(res: http.ServerResponse, origin: string): void {
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("access-control-expose-headers", "retry-after");
  res.setHeader("vary", "Origin");
}

/**
 * Answers a preflight (OPTIONS): 204 with what may be sent, for an allowed origin; 403 without
 * any CORS header for any other, so the browser blocks the call.
 */
export function answerPreflight(req: http.IncomingMessage, res: http.ServerResponse, policy: OriginPolicy): void {
  const origin = crossOrigin(req, policy);
  if (origin === null) {
    res.writeHead(403, { "content-type": "application/json", vary: "Origin" });
    res.end(JSON.stringify({ error: "This origin may not call the API" }));
    return;
  }
  allowCrossOrigin(res, origin);
  res.writeHead(204, {
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": String(PREFLIGHT_MAX_AGE_SECONDS),
  });
  res.end();
}
