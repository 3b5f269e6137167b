import type http from "node:http";
import type net from "node:net";
import { LimitExceededError } from "../errors";
import type { Services } from "../trpc/context";
import { clientAddress } from "./client-address";
import { isTrpcPath, sendJson } from "./responses";

/** The release of each request's in-flight slot, so a refusal made later in the request can give it back. */
const slotReleases = new WeakMap<http.ServerResponse, () => void>();
/**
 * When each connection's last delayed refusal is due (epoch ms). Node parses requests pipelined on
 * a connection while an earlier one waits, so each refusal's delay starts after the one before it.
 */
const refusalDueAt = new WeakMap<net.Socket, number>();

/**
 * Holds one of the client address's in-flight slots until the response is done (or the client
 * goes away); when none is free, refuses the request (see refuseRequest) and returns false.
 */
export function holdRequestSlot(
  services: Pick<Services, "addressLimits">,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
): boolean {
  const { addressLimits } = services;
  try {
    const release = addressLimits.holdRequest(clientAddress(req, addressLimits.settings.trustProxy));
    res.once("close", release);
    slotReleases.set(res, release);
    return true;
  } catch (error) {
    if (!(error instanceof LimitExceededError)) throw error;
    refuseRequest(services, req, res, path, error);
    return false;
  }
}

/**
 * Answers a request over one of its address's limits with 429, `refusalDelayMs` later — as nginx's
 * limit_req delays excess requests — so a client that ignores Retry-After gets one answer per
 * connection per delay instead of as many as it can ask for (each costing the server CPU that
 * well-behaved clients wait for); requests pipelined behind a refusal wait a delay each. The
 * waiting request gives back its in-flight slot (a well-behaved client sharing the address keeps
 * its allowance). Past the held refusals an address may have, the connection is closed
 * unanswered, which costs nothing. A connection that closes, the server's shutdown included, ends
 * its wait at once.
 */
export function refuseRequest(
  services: Pick<Services, "addressLimits">,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  error: LimitExceededError,
): void {
  answerLate(services, req, res, () => sendTooManyRequests(res, path, error));
}

/**
 * Sends a refusal decided before any work (a malformed URL, a batch too large, a subscription over
 * HTTP…): at once while the address refuses within `QUICK_REFUSALS_PER_MINUTE_PER_ADDRESS`, late
 * past it (see refuseRequest), so a flood of bad requests from one client cannot keep the CPU from
 * everyone else either.
 */
export function sendRefusal(
  services: Pick<Services, "addressLimits">,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  send: () => void,
): void {
  const { addressLimits } = services;
  if (addressLimits.admitQuickRefusal(clientAddress(req, addressLimits.settings.trustProxy))) send();
  else answerLate(services, req, res, send);
}

/** Sends `send`'s answer `refusalDelayMs` later, holding no slot, bounded per address (see refuseRequest). */
function answerLate(
  services: Pick<Services, "addressLimits">,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  send: () => void,
): void {
  const { addressLimits } = services;
  const delayMs = addressLimits.settings.refusalDelayMs;
  if (delayMs === 0) {
    send();
    return;
  }
  slotReleases.get(res)?.();
  const releaseHeld = addressLimits.holdRefusal(clientAddress(req, addressLimits.settings.trustProxy));
  if (releaseHeld === null) {
    res.destroy();
    return;
  }
  const now = Date.now();
  const dueAt = Math.max(now, refusalDueAt.get(req.socket) ?? 0) + delayMs;
  refusalDueAt.set(req.socket, dueAt);
  const timer = setTimeout(send, dueAt - now);
  res.once("close", () => {
    clearTimeout(timer);
    releaseHeld();
  });
}

/** 429 with Retry-After (whole seconds): in tRPC's error shape on the API's path, plain text elsewhere. */
function sendTooManyRequests(res: http.ServerResponse, path: string, error: LimitExceededError): void {
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
