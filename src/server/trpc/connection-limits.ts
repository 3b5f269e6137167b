import { TRPCError } from "@trpc/server";
import type { Context } from "./context";

/**
 * Runs a subscription within its connection's limits: at most `subscriptionsPerConnection` at a
 * time, and a socket whose unread backlog passes `socketBufferBytes` is dropped instead of
 * buffered without bound (the tRPC client reconnects and resumes from its lastEventId).
 */
export async function* withinConnectionLimits<T>(
  ctx: Context,
  source: AsyncIterable<T>,
): AsyncGenerator<T, void, undefined> {
  const connection = ctx.connection;
  if (!connection) {
    yield* source;
    return;
  }
  const { subscriptionsPerConnection, socketBufferBytes } = ctx.services.limits;
  if (connection.subscriptions >= subscriptionsPerConnection) {
    throw new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `at most ${subscriptionsPerConnection} subscriptions per connection`,
    });
  }
  connection.subscriptions += 1;
  try {
    for await (const item of source) {
      if (connection.socket.bufferedAmount > socketBufferBytes) {
        ctx.services.log.warn({ buffered: connection.socket.bufferedAmount }, "dropping a socket that stopped reading");
        connection.socket.terminate();
        return;
      }
      yield item;
    }
  } finally {
    connection.subscriptions -= 1;
  }
}
