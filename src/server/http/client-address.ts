import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/** What of a request its client's address is read from (a WebSocket keeps only this of its upgrade). */
export type RequestPeer = Pick<IncomingMessage, "headers"> & {
  socket: Pick<IncomingMessage["socket"], "remoteAddress">;
};

/**
 * The address per-address limits count a request under. Behind a proxy (`trustProxy`), the last
 * X-Forwarded-For entry, which our proxy appended (earlier ones are whatever the client sent);
 * otherwise the socket's peer. IPv6 addresses count by their /64, the block one subscriber gets.
 */
export function clientAddress(req: RequestPeer, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastForwardedFor(req.headers["x-forwarded-for"]) : null;
  return addressKey(forwarded ?? req.socket.remoteAddress ?? "unknown");
}

function lastForwardedFor(header: string | string[] | undefined): string | null {
  const joined = Array.isArray(header) ? header.join(",") : header;
  const last = joined?.split(",").at(-1)?.trim();
  return last && isIP(last) ? last : null;
}

/** IPv4 (also IPv4-mapped IPv6) as is; other IPv6 as its /64 prefix. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]!.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
