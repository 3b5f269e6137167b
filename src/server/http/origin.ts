import type { IncomingHttpHeaders } from "node:http";
import { rawResponse, type UpgradeHandler } from "./guard";

/** Who this server is to browsers. Origins are compared whole: scheme, host and port. */
export interface OriginPolicy {
  /** PUBLIC_URL's origin: when set, this server's only origin and the only Host it answers to. */
  publicOrigin: string | null;
  /** Other browser origins allowed to call the API (ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
}

/**
 * A Host header that is only a host name or address and a port. Anything else (user info, a
 * path, odd punctuation) is a malformed request: it would only reach code that builds URLs from it.
 */
export function isPlainHost(host: string | undefined): host is string {
  if (host === undefined || !/^([a-z0-9._-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(host)) return false;
  try {
    return new URL(`http://${host}`).host !== ""; // and one URLs take (not "[:::]", not "999.999.999.999")
  } catch {
    return false;
  }
}

/**
 * With PUBLIC_URL set, a request must be addressed to its host: a page on another name that
 * resolves to this server (DNS rebinding) is refused, whatever its Origin says.
 */
export function hostAllowed(headers: IncomingHttpHeaders, policy: OriginPolicy): boolean {
  if (policy.publicOrigin === null) return true;
  const expected = new URL(policy.publicOrigin);
  const host = headers.host?.toLowerCase();
  if (host === expected.host) return true;
  // On the scheme's default port, a client may name the port or leave it out.
  const defaultPort = expected.protocol === "https:" ? "443" : "80";
  return expected.port === "" && host === `${expected.hostname}:${defaultPort}`;
}

/**
 * Browsers send Origin; it must be this server's own origin or an allowed one. Without PUBLIC_URL
 * the server's own origin is the request's Host, over http or https.
 */
export function originAllowed(headers: IncomingHttpHeaders, policy: OriginPolicy): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true; // not a browser: programs authenticate with tokens
  if (policy.allowedOrigins.includes(origin)) return true;
  if (policy.publicOrigin !== null) return origin === policy.publicOrigin;
  if (!isPlainHost(headers.host)) return false;
  const host = headers.host;
  return ["http:", "https:"].some((scheme) => origin === new URL(`${scheme}//${host}`).origin);
}

/** Upgrades with a malformed Host, or addressed to another host, are refused before anything routes them. */
export function onlyKnownHosts(policy: OriginPolicy, handle: UpgradeHandler): UpgradeHandler {
  return (req, socket, head) => {
    const { host } = req.headers;
    if (host !== undefined && !isPlainHost(host)) socket.end(rawResponse("400 Bad Request"));
    else if (!hostAllowed(req.headers, policy)) socket.end(rawResponse("421 Misdirected Request"));
    else return handle(req, socket, head);
  };
}

/**
 * Where pages may open WebSockets (their own host): PUBLIC_URL's, or else the request's Host over
 * ws and wss, when it is a plain host.
 */
export function webSocketOrigins(host: string | undefined, policy: OriginPolicy): string[] {
  if (policy.publicOrigin !== null) return [policy.publicOrigin.replace(/^http/, "ws")];
  return isPlainHost(host) ? [`ws://${host}`, `wss://${host}`] : [];
}
