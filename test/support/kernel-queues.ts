import { readFileSync } from "node:fs";

/**
 * The kernel's send and receive queues (bytes) of the IPv4 TCP socket bound to `localPort` and
 * connected to `remotePort`, from /proc/net/tcp (Linux): what a test reads to know a socket pair is
 * backed up, without waiting a guessed time. Null when there is no such socket.
 */
export function kernelQueues(localPort: number, remotePort: number): { send: number; receive: number } | null {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const [, local, remote, , queues] = line.trim().split(/\s+/);
    if (!local?.endsWith(`:${hex(localPort)}`) || !remote?.endsWith(`:${hex(remotePort)}`)) continue;
    const [send, receive] = queues!.split(":").map((q) => parseInt(q, 16));
    return { send: send!, receive: receive! };
  }
  return null;
}
