import type { EventJson } from "../events/read-json";
import { WebSocketBacklog, type BackloggedSocket, type SocketBacklog } from "./socket-backlog";
import type { FrameSocket, SubscriptionAddress } from "./socket-frames";

/** Writes a subscription's backfill to its socket, one tracked data frame per event, and tells its backlog. */
export interface BackfillWriter extends SocketBacklog {
  /**
   * Writes the frames of `page[from]` on, as tRPC would send `tracked(String(seq), event)`, until
   * the page ends or the backlog is full (at least one frame); returns the index after the last one.
   */
  write(page: readonly EventJson[], from: number): number;
}

/**
 * A backfill writer for a subscription whose address the decoder saw: each frame is byte for byte
 * `trackedDataText(address, String(seq), json)` (socket-frames.ts), the message tRPC's own path
 * sends, assembled around a prefix made once per subscription. Frames go through the socket's
 * `send`, so the socket guard and its corking apply; the backlog is full past `boundBytes` unsent.
 */
export function backfillWriter(
  address: SubscriptionAddress,
  socket: FrameSocket & BackloggedSocket,
  boundBytes: number,
): BackfillWriter {
  return new BackfillFrames(address, socket, boundBytes);
}

/** One object per subscriber, no closures: every subscriber keeps its writer while subscribed. */
class BackfillFrames extends WebSocketBacklog implements BackfillWriter {
  private readonly head: string;

  constructor(
    address: SubscriptionAddress,
    protected override readonly socket: FrameSocket & BackloggedSocket,
    boundBytes: number,
  ) {
    super(socket, boundBytes);
    const jsonrpc = address.jsonrpc === undefined ? "" : `,"jsonrpc":${JSON.stringify(address.jsonrpc)}`;
    // A tracked id is String(seq): digits, which JSON.stringify only wraps in quotes.
    this.head = `{"id":${JSON.stringify(address.id)}${jsonrpc},"result":{"type":"data","data":{"id":"`;
  }

  write(page: readonly EventJson[], from: number): number {
    let index = from;
    do {
      const { seq, json } = page[index]!;
      this.socket.send(Buffer.from(`${this.head}${seq}","data":${json}},"id":"${seq}"}}`), TEXT_FRAME);
      index += 1;
    } while (index < page.length && !this.full());
    return index;
  }
}

const TEXT_FRAME = { binary: false } as const;
