import { WebSocket } from "ws";

export interface KeepAliveSettings {
  /** A socket that has sent nothing for this long is sent a `PING`... */
  pingMs: number;
  /** ...and is terminated if it still sends nothing within this long after it. */
  pongWaitMs: number;
}

/** What the sweep needs of a socket: when it last heard from its client and when it pinged it. */
export interface KeepAliveSocket {
  readonly readyState: number;
  /** Epoch ms of the client's last message (or of the connection). */
  lastHeardAt: number;
  /** Epoch ms of the last PING sent; 0 for none. */
  pingedAt: number;
  send(data: string): void;
  terminate(): void;
}

/**
 * tRPC's server keep-alive (a `PING` text frame to a silent socket, which tRPC clients answer with
 * `PONG`; no answer and the socket is terminated), kept by one timer for every socket. tRPC's own
 * keeps two timers, four closures and a listener per socket, rearmed on every message: ~0.6 KB
 * each idle subscriber holds. The sweep runs every half of the shorter setting, so a silent socket
 * is pinged between `pingMs` and 1.5 × `pingMs` after its last message, and dropped as late.
 */
export function startKeepAlive(sockets: Iterable<KeepAliveSocket>, settings: KeepAliveSettings): { stop(): void } {
  const sweepMs = Math.max(1, Math.floor(Math.min(settings.pingMs, settings.pongWaitMs) / 2));
  const timer = setInterval(() => sweepKeepAlive(sockets, settings, Date.now()), sweepMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** One pass: ping the sockets silent for `pingMs`, terminate those pinged `pongWaitMs` ago and silent since. */
export function sweepKeepAlive(sockets: Iterable<KeepAliveSocket>, settings: KeepAliveSettings, now: number): void {
  for (const socket of sockets) {
    if (socket.readyState !== WebSocket.OPEN) continue;
    if (socket.pingedAt > socket.lastHeardAt) {
      if (now - socket.pingedAt >= settings.pongWaitMs) socket.terminate();
    } else if (now - socket.lastHeardAt >= settings.pingMs) {
      socket.pingedAt = now;
      socket.send("PING");
    }
  }
}
