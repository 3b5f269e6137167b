import type { EventJson } from "../events/read-json";
import { socketBacklog, type SocketBacklog } from "./socket-backlog";
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
  socket: FrameSocket & { readonly bufferedAmount: number },
  boundBytes: number,
): BackfillWriter {
  const jsonrpc = address.jsonrpc === undefined ? "" : `,"jsonrpc":${JSON.stringify(address.jsonrpc)}`;
  // A tracked id is String(seq): digits, which JSON.stringify only wraps in quotes.
  const head = `{"id":${JSON.stringify(address.id)}${jsonrpc},"result":{"type":"data","data":{"id":"`;
  const backlog = socketBacklog(socket, boundBytes);
  return {
    ...backlog,
    write(page, from) {
      let index = from;
      do {
        const { seq, json } = page[index]!;
        socket.send(Buffer.from(`${head}${seq}","data":${json}},"id":"${seq}"}}`), TEXT_FRAME);
        index += 1;
      } while (index < page.length && !backlog.full());
      return index;
    },
  };
}

const TEXT_FRAME = { binary: false } as const;
