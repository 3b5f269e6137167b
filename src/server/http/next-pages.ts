import type { EventEmitter } from "node:events";
import type http from "node:http";
import type { AuthSettings } from "../trpc/context";
import type { RequestHandler } from "./guard";
import { readCookie, SESSION_COOKIE, sessionCookieHeader } from "../auth/session-cookie";

export interface PagesOptions {
  dev: boolean;
  dir: string;
  host: string;
  port: number;
  /**
   * Next attaches its upgrade listener (HMR in dev) to the server it is given: it gets this relay,
   * which only ever sees non-tRPC upgrades, so one socket is never answered twice.
   */
  upgrades: EventEmitter;
}

export interface Pages {
  /** Development (HMR): the pages' security policy allows what hot reloading needs. */
  dev: boolean;
  handle: RequestHandler;
}

/** Next.js's request handler for the pages, after it has prepared (compiled in dev). */
export async function preparePages(options: PagesOptions): Promise<Pages> {
  const { default: next } = await import("next");
  const app = next({
    dev: options.dev,
    dir: options.dir,
    hostname: options.host,
    port: options.port,
    httpServer: options.upgrades as unknown as http.Server,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  return { dev: options.dev, handle: (req, res) => handle(req, res) };
}

/** Page requests without a valid session get a new anonymous one: no sign-up to try the app. */
export function ensureSession(auth: AuthSettings, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url?.startsWith("/_next/") || auth.sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE))) return;
  const session = auth.sessions.issue();
  res.setHeader("Set-Cookie", sessionCookieHeader(session.value, session.maxAgeSeconds, auth.secureCookies));
}
