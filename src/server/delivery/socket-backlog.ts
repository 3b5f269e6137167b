import { once } from "node:events";
import type { Duplex } from "node:stream";

/**
 * A subscriber's socket as a backfill written straight to it sees it: whether it already holds as
 * much unsent as a backfill may add to, and a wait until it has written what it holds. A backfill
 * goes out as fast as the client reads it, and never grows a socket's backlog to the point where
 * the socket guard (WS_MAX_BUFFERED_BYTES) drops it.
 */
export interface SocketBacklog {
  /** The socket holds more unsent bytes than the bound: wait for `drained` before sending more. */
  full(): boolean;
  /** Resolves once the socket has handed what it holds to the kernel, closed, or `signal` aborted. */
  drained(signal?: AbortSignal): Promise<void>;
}

/** What of a `ws` WebSocket the backlog reads: its public backlog and its TCP socket (ws's `_socket`). */
export interface BackloggedSocket {
  readonly bufferedAmount: number;
}

/**
 * The backlog of a `ws` WebSocket, full past `boundBytes` unsent bytes. A class, not closures: every
 * subscriber of a run keeps one for as long as it is subscribed.
 */
export class WebSocketBacklog implements SocketBacklog {
  constructor(
    protected readonly socket: BackloggedSocket,
    private readonly boundBytes: number,
  ) {}

  full(): boolean {
    return this.socket.bufferedAmount > this.boundBytes;
  }

  drained(signal?: AbortSignal): Promise<void> {
    return drained((this.socket as { _socket?: Duplex })._socket, signal);
  }
}

/**
 * Waits for the TCP socket's `drain` (emitted once a write found it over its high-water mark and it
 * has since written everything), its close, or the subscriber leaving. A socket that needs no drain
 * resolves at once: the common case of a client that reads as fast as the backfill is written.
 */
async function drained(socket: Duplex | undefined, signal: AbortSignal | undefined): Promise<void> {
  if (!socket || socket.destroyed || !socket.writableNeedDrain || signal?.aborted) return;
  const done = new AbortController();
  const stop = () => done.abort();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    await Promise.race([
      once(socket, "drain", { signal: done.signal }),
      once(socket, "close", { signal: done.signal }),
    ]);
  } catch {
    // aborted: the subscriber left
  } finally {
    signal?.removeEventListener("abort", stop);
    done.abort();
  }
}
