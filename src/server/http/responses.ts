import type http from "node:http";
import { TRPC_PATH } from "../../shared/api";

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** An error in tRPC's own JSON shape, for refusals made before a request reaches tRPC. */
export function sendTrpcError(
  res: http.ServerResponse,
  httpStatus: number,
  error: { message: string; jsonRpcCode: number; code: string },
): void {
  sendJson(res, httpStatus, {
    error: { message: error.message, code: error.jsonRpcCode, data: { code: error.code, httpStatus } },
  });
}

/**
 * The request's path as tRPC and Next route it: dot segments resolved (`/api/trpc/./run.events` is
 * `/api/trpc/run.events`), percent-escapes left as sent. Null when the URL or an escape in it is
 * malformed, which answers 400 rather than reaching code that would throw on it.
 */
export function normalisedPathname(rawUrl: string | undefined): string | null {
  try {
    const { pathname } = new URL(rawUrl ?? "/", "http://localhost");
    decodeURIComponent(pathname);
    return pathname;
  } catch {
    return null;
  }
}

/** Takes a normalised pathname (see normalisedPathname). */
export function isTrpcPath(pathname: string): boolean {
  return pathname === TRPC_PATH || pathname.startsWith(`${TRPC_PATH}/`);
}
