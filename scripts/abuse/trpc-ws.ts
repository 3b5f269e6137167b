// tRPC 11's WebSocket protocol spoken by hand with `ws`: a frame is one request or a JSON array of
// them, `{ id, method: "query" | "mutation" | "subscription", params: { path, input } }`; answers
// are `{ id, result: { type: "started" | "data" | "stopped", data? } }` or `{ id, error }`.
import WebSocket from "ws";
import { LOOPBACK } from "./http";
import { type Outcome } from "./tally";

export interface TrpcRequest {
  id: number;
  method: "query" | "mutation" | "subscription";
  params: { path: string; input?: unknown };
}

export interface TrpcAnswer {
  id: number | string | null;
  result?: { type: "started" | "data" | "stopped"; data?: unknown };
  error?: { message?: string; data?: { httpStatus?: number; code?: string } };
}

/** Opens a socket on the tRPC path as the owner of `cookie` (credentials are read at connect). */
export function openTrpcSocket(port: number, cookie: string, timeoutMs = 5_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${LOOPBACK}:${port}/api/trpc`, {
      headers: { cookie },
      handshakeTimeout: timeoutMs,
      // Never let the abuse client itself buffer without bound on what the server sends.
      maxPayload: 16 * 1024 * 1024,
    });
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
    socket.once("unexpected-response", (_req, res) => {
      socket.terminate();
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
    });
  });
}

/** Parses a text frame into answers; "PING"/"PONG" and anything else unexpected give none. */
export function parseAnswers(frame: WebSocket.RawData): TrpcAnswer[] {
  const text = (Array.isArray(frame) ? Buffer.concat(frame) : Buffer.from(frame as Buffer)).toString();
  try {
    const parsed = JSON.parse(text) as TrpcAnswer | TrpcAnswer[];
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}

/** What an answer means as an HTTP status class: a result is 200, an error carries its status. */
export function outcomeOf(answer: TrpcAnswer): Outcome {
  if (answer.result) return { status: 200 };
  return { status: answer.error?.data?.httpStatus ?? 500 };
}

/** Sends a frame and resolves once `ws` has handed it to the kernel (so a full socket waits). */
export function sendFrame(socket: WebSocket, frame: TrpcRequest | TrpcRequest[]): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(JSON.stringify(frame), (error) => (error ? reject(error) : resolve())),
  );
}

export function closeAll(sockets: Iterable<WebSocket>): void {
  for (const socket of sockets) socket.terminate();
}
