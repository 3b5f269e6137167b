// Calls on the tRPC endpoint without the tRPC client, for tests of what the server does with
// requests the client would never send: foreign origins, forged cookies, malformed frames.
import WebSocket from "ws";
import { SESSION_COOKIE } from "../../src/server/auth/session-cookie";
import { TRPC_PATH } from "../../src/shared/api";
import type { TestServer } from "./test-server";

/** The tRPC endpoint of the server at `serverUrl` (http://…), over HTTP or WebSocket. */
export function trpcEndpoint(serverUrl: string, over: "http" | "ws" = "http"): string {
  const url = new URL(TRPC_PATH, serverUrl);
  if (over === "ws") url.protocol = "ws:";
  return url.toString();
}

/** A Cookie header value with a valid session of this server: gets a raw call past authentication. */
export function sessionCookie(api: TestServer): string {
  return `${SESSION_COOKIE}=${api.server.services.auth.sessions.issue().value}`;
}

/** A WebSocket on the tRPC endpoint; rejects naming the status when the handshake is refused. */
export function openRawSocket(serverUrl: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(trpcEndpoint(serverUrl, "ws"), { headers });
    socket.once("open", () => resolve(socket));
    socket.once("unexpected-response", (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
    socket.once("error", reject);
  });
}

/** The text of a WebSocket message (the server sends text frames). */
export function messageText(data: WebSocket.RawData): string {
  return Buffer.isBuffer(data) ? data.toString("utf8") : "";
}

/** Sends one run.list query on a new raw WebSocket and returns the text of the reply. */
export async function rawSocketQuery(serverUrl: string, headers: Record<string, string>): Promise<string> {
  const socket = await openRawSocket(serverUrl, headers);
  try {
    const reply = new Promise<string>((resolve) => socket.once("message", (data) => resolve(messageText(data))));
    socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "run.list", input: {} } }));
    return await reply;
  } finally {
    socket.close();
  }
}

/** A GET of a query procedure with these headers and input; resolves with the HTTP status. */
export async function rawHttpStatus(
  serverUrl: string,
  path: string,
  headers: Record<string, string>,
  input: unknown = {},
): Promise<number> {
  const url = `${trpcEndpoint(serverUrl)}/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  return response.status;
}
