import type { Duplex } from "node:stream";
import { WebSocket } from "ws";

// Bytes held by a corked socket before they are written anyway (well under the smallest backlog limit).
const CORK_FLUSH_BYTES = 32_768;

export interface SocketGuards {
  /** Bytes queued for a socket that does not read; past it the socket is dropped, not buffered. */
  maxBufferedBytes: number;
  /** Queries plus mutations, and subscriptions, one message may carry; a larger batch is refused whole. */
  callsPerMessage: number;
  subscriptionsPerMessage: number;
  /** The answer (tRPC's error shape, encoded) to each call of a refused batch. */
  refusal(call: BatchedCall, message: string): string;
  onDropped(bufferedBytes: number): void;
}

/** A call of a batched message, as far as a refusal needs it. */
export interface BatchedCall {
  id: string | number;
  jsonrpc?: "2.0";
  path?: string;
}

type SendArgs = Parameters<WebSocket["send"]> | [data: Parameters<WebSocket["send"]>[0], cb?: (err?: Error) => void];

/**
 * The server's WebSocket class (ws's `WebSocket` option), so the guards sit under everything that
 * uses a socket: every send — subscription events and query answers alike — first checks the
 * socket's backlog, and a message batching more calls than allowed is answered with an error per
 * call before tRPC sees it, so nothing in it runs.
 */
export function guardedWebSocket(guards: SocketGuards): typeof WebSocket {
  return class GuardedWebSocket extends WebSocket {
    private corked = false;

    override send(...args: SendArgs): void {
      if (this.readyState === WebSocket.OPEN) {
        this.corkForThisTurn();
        if (this.bufferedAmount > guards.maxBufferedBytes) {
          guards.onDropped(this.bufferedAmount);
          this.terminate();
          return;
        }
      }
      (super.send as (...args: SendArgs) => void)(...args);
    }

    /**
     * Frames sent in the same turn of the event loop leave in one write: a backfill page of a
     * thousand events is one writev instead of a thousand. The socket is uncorked once the turn's
     * promise jobs have run (process.nextTick runs after them), so nothing waits for a later turn;
     * a single live frame costs the same as before. Past CORK_FLUSH_BYTES the held frames are
     * written at once, so the backlog the guard measures is what the client has not read, never
     * what is merely held for the turn.
     */
    private corkForThisTurn(): void {
      const socket = (this as unknown as { _socket?: Duplex })._socket;
      if (!socket || socket.destroyed) return;
      if (!this.corked) {
        this.corked = true;
        socket.cork();
        process.nextTick(() => {
          this.corked = false;
          socket.uncork();
        });
      } else if (socket.writableLength >= CORK_FLUSH_BYTES) {
        socket.uncork();
        socket.cork();
      }
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === "message" && args[1] === false && Buffer.isBuffer(args[0])) {
        const refused = oversizedBatch(args[0], guards);
        // More calls than a socket could ever take at once is no client's batch: close rather than answer each.
        if (refused && refused.calls.length > guards.callsPerMessage + guards.subscriptionsPerMessage) {
          this.close(1008, "too many calls in one message");
        } else if (refused) {
          for (const call of refused.calls) this.send(guards.refusal(call, refused.message));
        }
        if (refused) return true;
      }
      return super.emit(event, ...args);
    }
  };
}

/** The calls of a batch (a JSON array of requests) over a limit, and why; null for anything else. */
function oversizedBatch(data: Buffer, guards: SocketGuards): { calls: BatchedCall[]; message: string } | null {
  if (firstNonBlankByte(data) !== 0x5b /* [ */) return null;
  let batch: unknown;
  try {
    batch = JSON.parse(data.toString("utf8"));
  } catch {
    return null; // tRPC answers the parse error
  }
  if (!Array.isArray(batch)) return null;
  const requests = batch.filter((item): item is Record<string, unknown> => typeof item === "object" && item !== null);
  const calls = requests.filter((r) => r.method === "query" || r.method === "mutation").length;
  const subscriptions = requests.filter((r) => r.method === "subscription").length;
  if (calls <= guards.callsPerMessage && subscriptions <= guards.subscriptionsPerMessage) return null;
  const message =
    calls > guards.callsPerMessage
      ? `at most ${guards.callsPerMessage} queries and mutations per WebSocket message; nothing in this one ran`
      : `at most ${guards.subscriptionsPerMessage} subscriptions per WebSocket message; nothing in this one ran`;
  const answerable = requests.filter((r) => typeof r.id === "string" || typeof r.id === "number");
  return {
    message,
    calls: answerable.map((r) => ({
      id: r.id as string | number,
      ...(r.jsonrpc === "2.0" ? { jsonrpc: "2.0" as const } : {}),
      ...(isObjectWithPath(r.params) ? { path: r.params.path } : {}),
    })),
  };
}

/** JSON may start with any amount of whitespace (space, tab, line feed, carriage return). */
function firstNonBlankByte(data: Buffer): number | undefined {
  return data.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
}

function isObjectWithPath(params: unknown): params is { path: string } {
  return typeof params === "object" && params !== null && typeof (params as { path?: unknown }).path === "string";
}
