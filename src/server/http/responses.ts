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

export function isTrpcPath(url: string | undefined): boolean {
  return url === TRPC_PATH || url?.startsWith(`${TRPC_PATH}/`) === true || url?.startsWith(`${TRPC_PATH}?`) === true;
}
