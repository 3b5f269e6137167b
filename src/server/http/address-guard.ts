import type http from "node:http";
import { LimitExceededError } from "../errors";
import type { Services } from "../trpc/context";
import { clientAddress } from "./client-address";
import { isTrpcPath, sendJson } from "./responses";

/**
 * Holds one of the client address's in-flight slots until the response is done (or the client
 * goes away); when none is free, answers 429 with a retry hint and returns false.
 */
export function holdRequestSlot(
  services: Services,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
): boolean {
  const { addressLimits } = services;
  try {
    const release = addressLimits.holdRequest(clientAddress(req, addressLimits.settings.trustProxy));
    res.once("close", release);
    return true;
  } catch (error) {
    if (!(error instanceof LimitExceededError)) throw error;
    sendTooManyRequests(res, path, error);
    return false;
  }
}

/** 429 with Retry-After (whole seconds): in tRPC's error shape on the API's path, plain text elsewhere. */
export function sendTooManyRequests(res: http.ServerResponse, path: string, error: LimitExceededError): void {
  const retryAfterMs = error.retryAfterMs ?? 1_000;
  res.setHeader("retry-after", String(Math.ceil(retryAfterMs / 1000)));
  if (isTrpcPath(path)) {
    sendJson(res, 429, {
      error: {
        message: error.message,
        code: -32029,
        data: { code: "TOO_MANY_REQUESTS", httpStatus: 429, retryAfterMs },
      },
    });
  } else {
    res.writeHead(429, { "content-type": "text/plain; charset=utf-8" }).end(`Too many requests: ${error.message}.\n`);
  }
}
