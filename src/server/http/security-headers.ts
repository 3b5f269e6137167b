import { randomBytes } from "node:crypto";
import type http from "node:http";

/**
 * On every response. The API and the probes answer JSON or text and load nothing, so their policy
 * allows nothing; pages replace it with pagePolicy.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
};

export function setSecurityHeaders(res: http.ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  privateWhenSettingCookies(res);
}

/**
 * The pages' policy: scripts from this origin or carrying this response's nonce (Next.js puts it on
 * the inline scripts it renders, reading it from the request's policy header), WebSockets to this
 * server, no plugins, no framing. Development adds what hot reloading needs.
 */
export function pagePolicy(options: { nonce: string; dev: boolean; webSockets: readonly string[] }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${options.nonce}'${options.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...options.webSockets].join(" "),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Gives a page request its own nonce: on the response's policy, and on the request for Next.js to read. */
export function usePagePolicy(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: { dev: boolean; webSockets: readonly string[] },
): void {
  const policy = pagePolicy({ nonce: randomBytes(16).toString("base64"), ...options });
  req.headers["content-security-policy"] = policy;
  res.setHeader("content-security-policy", policy);
}

const PRIVATE = "private, no-store";

/**
 * A response that sets a cookie belongs to one browser: whatever Cache-Control was set before or is
 * passed to writeHead (Next.js marks static pages `s-maxage=31536000`), no shared cache may keep it.
 */
function privateWhenSettingCookies(res: http.ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
  res.writeHead = (...args: unknown[]) => {
    const last = args.at(-1);
    const passed = typeof last === "object" && last !== null && !Array.isArray(last) ? last : null;
    const passedCookie = passed && Object.keys(passed).some((name) => name.toLowerCase() === "set-cookie");
    if (!res.hasHeader("set-cookie") && !passedCookie) return writeHead(...args);
    res.setHeader("cache-control", PRIVATE);
    if (!passed) return writeHead(...args);
    const headers = Object.fromEntries(
      Object.entries(passed).filter(([name]) => name.toLowerCase() !== "cache-control"),
    );
    return writeHead(...args.slice(0, -1), { ...headers, "cache-control": PRIVATE });
  };
}
