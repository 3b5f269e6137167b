import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { connectionOptions } from "./postgres-options";

interface Handler {
  onNotify: (payload: string) => void;
  onReady?: () => void;
}

const PING_CHANNEL = "live_runs_listener_ping";

/**
 * The LISTEN connection of one instance, supervised. postgres.js re-LISTENs after a dropped
 * connection, but gives up silently when that reconnect fails (a database restart, a network
 * cut). So every `checkMs` this instance NOTIFYs itself through the pool; when the ping does not
 * come back, the LISTEN connection is replaced and every channel LISTENed again. `onReady` runs
 * after each successful LISTEN, because notifications sent meanwhile are lost.
 *
 * The ping judges the LISTEN connection only: its `checkMs` starts once the NOTIFY has committed
 * (a pool queued behind thousands of attaching subscribers delays the ping, it does not fail it),
 * and the verdict waits until the event loop has read its sockets (a loop that was busy past the
 * deadline has the ping in a socket buffer, not lost). Replacing a healthy connection is not
 * harmless: every subscriber resyncs from the table.
 */
export class SupervisedListener {
  private client: postgres.Sql | null = null;
  private readonly channels = new Map<string, Set<Handler>>();
  private readonly nonce = randomUUID();
  private pingReceived: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly pool: postgres.Sql,
    private readonly options: { checkMs: number; onReconnect?: (error: unknown) => void },
  ) {}

  async listen(
    channel: string,
    onNotify: (payload: string) => void,
    onReady?: () => void,
  ): Promise<() => Promise<void>> {
    if (!this.client) await this.connect();
    const handler: Handler = { onNotify, ...(onReady ? { onReady } : {}) };
    let handlers = this.channels.get(channel);
    if (!handlers) {
      this.channels.set(channel, (handlers = new Set([handler])));
      await this.listenOn(this.client!, channel);
    } else {
      handlers.add(handler);
      onReady?.();
    }
    return () => {
      handlers.delete(handler);
      return Promise.resolve();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.client?.end({ timeout: 0 });
    this.client = null;
  }

  private async connect(): Promise<void> {
    this.client = postgres(this.url, { ...connectionOptions, max: 1 });
    await this.client.listen(PING_CHANNEL, (payload) => {
      if (payload === this.nonce) this.pingReceived?.();
    });
    this.timer ??= setInterval(() => void this.check(), this.options.checkMs);
  }

  private async listenOn(client: postgres.Sql, channel: string): Promise<void> {
    await client.listen(
      channel,
      (payload) => this.channels.get(channel)?.forEach((h) => h.onNotify(payload)),
      () => this.channels.get(channel)?.forEach((h) => h.onReady?.()),
    );
  }

  /** Pings through the pool; replaces the LISTEN connection when the ping does not come back. */
  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      // Listening before the NOTIFY is sent: the ping may be read before the pool's answer is.
      const arrived = new Promise<boolean>((resolve) => (this.pingReceived = () => resolve(true)));
      await this.pool`select pg_notify(${PING_CHANNEL}, ${this.nonce})`;
      if (await Promise.race([arrived, afterReadingSockets(this.options.checkMs)])) return;
      throw new Error("listener ping did not come back");
    } catch (error) {
      await this.reconnect(error);
    } finally {
      this.pingReceived = null;
      this.checking = false;
    }
  }

  private async reconnect(cause: unknown): Promise<void> {
    if (this.closed) return;
    const old = this.client;
    this.client = null;
    await old?.end({ timeout: 0 }).catch(() => {});
    try {
      await this.connect();
      for (const channel of this.channels.keys()) await this.listenOn(this.client!, channel);
      this.options.onReconnect?.(cause);
    } catch {
      // The database is still unreachable: the next check tries again.
      const failed = this.client as postgres.Sql | null;
      this.client = null;
      await failed?.end({ timeout: 0 }).catch(() => {});
    }
  }
}

/**
 * Resolves false `ms` from now, but only after the event loop's next poll for I/O: a timer that
 * fires late because the loop was busy runs before that loop turn reads its sockets, where the ping
 * may already be waiting. `setImmediate` callbacks run after the poll phase.
 */
function afterReadingSockets(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => setImmediate(() => resolve(false)), ms).unref());
}
