import { randomUUID } from "node:crypto";
import type http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "../log";
import { errorIdOf } from "../trpc/error-ids";
import { sendJson } from "./responses";
import { SECURITY_HEADERS } from "./security-headers";

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void | Promise<void>;

/**
 * Nothing one request throws, synchronously or by rejecting, may reach the process: it is logged
 * with a reference id and answered 400 (a malformed encoding) or 500, or the socket is destroyed
 * when the response has already started.
 */
export function guardRequests(log: Logger, handle: RequestHandler): http.RequestListener {
  return (req, res) => {
    const fail = (error: unknown) => {
      const errorId = referenceOf(error);
      log.error({ err: error, errorId, method: req.method }, "request failed");
      if (res.headersSent || res.writableEnded) {
        res.destroy();
        return;
      }
      res.setHeader("connection", "close");
      if (error instanceof URIError) sendJson(res, 400, { error: "malformed request" });
      else sendJson(res, 500, { error: "internal error", errorId });
    };
    try {
      handle(req, res)?.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/**
 * The same for upgrades, whose socket Node hands over without an error listener: one is added first,
 * so a peer that resets mid-handshake cannot raise an unhandled 'error' event.
 */
export function guardUpgrades(
  log: Logger,
  handle: UpgradeHandler,
): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on("error", (error) => log.debug({ err: error }, "upgrade socket error"));
    const fail = (error: unknown) => {
      log.error({ err: error, errorId: referenceOf(error) }, "upgrade failed");
      if (socket instanceof net.Socket && socket.bytesWritten === 0 && socket.writable) {
        socket.end(rawResponse(error instanceof URIError ? "400 Bad Request" : "500 Internal Server Error"));
      } else socket.destroy();
    };
    try {
      handle(req, socket, head)?.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/**
 * Node's parser refused the bytes (malformed request line or headers, headers too large, request
 * timeout): answer and close, as there is no request object to answer through.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // As Node does: answer only on a connection nothing has been written to yet.
  const untouched = socket instanceof net.Socket && socket.bytesWritten === 0;
  if (error.code === "ECONNRESET" || !socket.writable || !untouched) {
    socket.destroy();
    return;
  }
  const status =
    error.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "408 Request Timeout"
        : "400 Bad Request";
  socket.end(rawResponse(status));
}

/** A complete, empty response written straight to a socket, which is then closed. */
export function rawResponse(status: string): string {
  const headers = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status}\r\n${headers.join("")}Connection: close\r\nContent-Length: 0\r\n\r\n`;
}

function referenceOf(error: unknown): string {
  return typeof error === "object" && error !== null ? errorIdOf(error) : randomUUID();
}
