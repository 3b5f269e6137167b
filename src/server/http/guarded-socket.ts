// The server's WebSocket class. One piece because every guard hooks the same two methods of ws's
// socket (send and emit) and shares one state: no calls started past a backlog, none while a
// message waits for room for its calls (call-gate.ts), none while closing.
import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import { CallGate, type Pace } from "./call-gate";

// Bytes held by a corked socket before they are written anyway (well under the smallest backlog limit).
const CORK_FLUSH_BYTES = 32_768;

export interface SocketGuards {
  /**
   * Bytes queued for a socket that does not read; past it the socket is dropped, not buffered.
   * Past a quarter of it the socket's calls wait until its backlog drains (see holdCallsUntilDrained).
   */
  maxBufferedBytes: number;
  /**
   * The largest message a client may send (ws's maxPayload): what a closing socket may still send
   * us, ignored, and what the call gate holds before the socket is no longer read.
   */
  maxMessageBytes: number;
  /** Queries and mutations a socket may have running (its messages wait for room: see CallGate). */
  callsInFlight: number;
  /** Queries plus mutations, and subscriptions, one message may carry; a larger batch is refused whole. */
  callsPerMessage: number;
  subscriptionsPerMessage: number;
  /** The answers (tRPC's error shape, encoded) to the calls of a refused batch, in their order. */
  refusals(calls: readonly BatchedCall[], message: string): string[];
  onDropped(bufferedBytes: number): void;
}

/** A call of a batched message, as far as a refusal needs it. */
export interface BatchedCall {
  id: string | number;
  jsonrpc?: "2.0";
  path?: string;
}

/** What the server's sockets add to ws's: the in-flight count their messages wait on. */
export interface CallGatedSocket {
  /**
   * Called once the socket's context is made: its messages' calls wait until then, and then while
   * `inFlight()` leaves no room for them, or `pace` (anonymous owners') for its requests. Returns
   * what to call when a call is answered.
   */
  gateCalls(inFlight: () => number, pace?: Pace): () => void;
}

type SendArgs = Parameters<WebSocket["send"]> | [data: Parameters<WebSocket["send"]>[0], cb?: (err?: Error) => void];

/** The share of maxBufferedBytes past which a socket's calls wait until it drains. */
const HOLD_CALLS_SHARE = 4;

/**
 * The server's WebSocket class (ws's `WebSocket` option), so the guards sit under everything that
 * uses a socket: every send — subscription events and query answers alike — first checks the
 * socket's backlog, and a message batching more calls than allowed is answered with an error per
 * call before tRPC sees it, so nothing in it runs. A client that does not read cannot make the
 * server do more: past a quarter of the backlog limit no new calls or subscriptions start on its
 * socket until what it was sent has drained (it is still read, up to a message's worth held, so a
 * stop is heard), and a socket closing is not read for calls at all.
 */
export function guardedWebSocket(guards: SocketGuards): typeof WebSocket {
  const holdCallsAt = Math.floor(guards.maxBufferedBytes / HOLD_CALLS_SHARE);
  return class GuardedWebSocket extends WebSocket {
    private corked = false;
    private ignoredBytes = 0;
    // The keep-alive's state (keep-alive.ts): the sweep reads and sets it, every message refreshes it.
    lastHeardAt = Date.now();
    pingedAt = 0;
    private readonly gate = new CallGate(
      guards.callsInFlight,
      guards.maxMessageBytes,
      (data) => super.emit("message", data, false),
      // Not read while the gate holds a message's worth.
      (full) => this.readingWhile(!full),
    );

    gateCalls(inFlight: () => number, pace?: Pace): () => void {
      this.once("close", () => this.gate.discard());
      this.gate.open(inFlight, pace);
      return () => this.gate.settled();
    }

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
      if (this.bufferedAmount > holdCallsAt) this.holdCallsUntilDrained();
    }

    /**
     * Holds the socket's calls and subscription starts while its backlog is past `holdCallsAt`, so
     * a client that sends calls without reading their answers gets no more of them run than a
     * backlog's worth; once a message's worth is held, what it sends is left in the kernel's
     * buffers (and, once they are full, its own). A stop is still read, so a subscriber that leaves
     * is let go at once. Calls go again when the socket has written everything out ('drain'); a
     * client that never reads is dropped by the backlog limit, or by the keep-alive (what it sends
     * meanwhile does not count as an answer).
     */
    private holdCallsUntilDrained(): void {
      const socket = this.underlyingSocket();
      // (Past the stream's high-water mark, as any backlog this large is, 'drain' is sure to come.)
      if (this.gate.backlogged || this.readyState !== WebSocket.OPEN || !socket?.writableNeedDrain) return;
      this.gate.setBacklogged(true);
      socket.once("drain", () => this.gate.setBacklogged(false));
    }

    private readingWhile(clear: boolean): void {
      if (this.readyState !== WebSocket.OPEN) return;
      if (clear) this.resume();
      else this.pause();
    }

    private underlyingSocket(): Duplex | null {
      const socket = (this as unknown as { _socket?: Duplex })._socket;
      return socket && !socket.destroyed ? socket : null;
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
      const socket = this.underlyingSocket();
      if (!socket) return;
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
      if (event === "message" && this.readyState !== WebSocket.OPEN) {
        this.ignoreWhileClosing(args[0]);
        return true;
      }
      // A message proves the client alive, a held one too (a PONG is never held), unless what it
      // was sent is backed up: one that answers PINGs but never reads is still dropped.
      if (event === "message" && !this.gate.backlogged) this.lastHeardAt = Date.now();
      if (event === "message" && args[1] === false && Buffer.isBuffer(args[0])) {
        const requests = parseRequests(args[0]);
        const refused = requests && oversizedBatch(requests, guards);
        // More calls than a socket could ever take at once is no client's batch: close rather than answer each.
        if (refused && refused.calls.length > guards.callsPerMessage + guards.subscriptionsPerMessage) {
          this.close(1008, "too many calls in one message");
        } else if (refused) {
          for (const answer of guards.refusals(refused.calls, refused.message)) this.send(answer);
        }
        if (refused) return true;
        // (Not JSON — tRPC's keep-alive PONG, or garbage tRPC answers — is never held.)
        if (requests) {
          this.gate.offer(args[0], callCount(requests), callCount(requests) + subscriptionCount(requests));
          return true;
        }
      }
      return super.emit(event, ...args);
    }

    /**
     * A closing socket can answer nothing, so its messages are not parsed, let alone run. A client
     * may have had messages on the way when it was told to close; one that keeps sending more than
     * a message's worth instead of closing is cut off.
     */
    private ignoreWhileClosing(data: unknown): void {
      this.ignoredBytes += messageBytes(data);
      if (this.ignoredBytes > guards.maxMessageBytes) this.terminate();
    }
  };
}

/** The size of a message as ws hands it over (a Buffer, or fragments / an ArrayBuffer by binaryType). */
function messageBytes(data: unknown): number {
  if (Buffer.isBuffer(data) || data instanceof ArrayBuffer) return data.byteLength;
  if (Array.isArray(data)) return (data as Buffer[]).reduce((sum, part) => sum + part.byteLength, 0);
  return 0;
}

/** A message's requests (a batch, or one as an array of one); null for what is not JSON requests. */
function parseRequests(data: Buffer): Record<string, unknown>[] | null {
  const first = firstNonBlankByte(data);
  if (first !== 0x5b /* [ */ && first !== 0x7b /* { */) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString("utf8"));
  } catch {
    return null; // tRPC answers the parse error
  }
  const items: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  return items.filter((item): item is Record<string, unknown> => typeof item === "object" && item !== null);
}

function isCall(request: Record<string, unknown>): boolean {
  return request.method === "query" || request.method === "mutation";
}

function callCount(requests: readonly Record<string, unknown>[]): number {
  return requests.filter(isCall).length;
}

function subscriptionCount(requests: readonly Record<string, unknown>[]): number {
  return requests.filter((r) => r.method === "subscription").length;
}

/** The calls of a message over a limit, and why; null when it is within them. */
function oversizedBatch(
  requests: readonly Record<string, unknown>[],
  guards: SocketGuards,
): { calls: BatchedCall[]; message: string } | null {
  const calls = callCount(requests);
  const subscriptions = subscriptionCount(requests);
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
