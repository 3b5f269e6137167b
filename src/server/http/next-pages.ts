import type { EventEmitter } from "node:events";
import http from "node:http";
import { SESSION_COOKIE, sessionCookieHeader, type SessionCookies } from "../auth/session-cookie";
import { LimitExceededError } from "../errors";
import type { Services } from "../trpc/context";
import { refuseRequest } from "./address-guard";
import { clientAddress } from "./client-address";
import type { RequestHandler } from "./guard";

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

/** A page that takes longer than this to render is left to its first visitor: the start does not wait on it. */
const WARM_UP_TIMEOUT_MS = 10_000;
/** A run id no run has: its page renders "not found", which loads the run page's code all the same. */
const NO_RUN_ID = "00000000-0000-4000-8000-000000000000";

/**
 * Renders each page once, as a fresh session would see it, before the server counts as started: a
 * process's first render of a page loads and compiles its code (~200 ms here, the event loop busy
 * throughout), which would otherwise stall every call in flight when the first visitor comes after
 * a deploy. `host` is the Host header the server accepts (PUBLIC_URL's when set). Best effort: a
 * page that fails to render here fails for its visitor too, and is reported there.
 */
export async function warmPages(sessions: Pick<SessionCookies, "issue">, url: string, host: string): Promise<void> {
  const cookie = `${SESSION_COOKIE}=${encodeURIComponent(sessions.issue().value)}`;
  for (const path of ["/", `/runs/${NO_RUN_ID}`]) {
    await new Promise<void>((resolve) => {
      const request = http.get(
        new URL(path, url),
        { headers: { cookie, host }, timeout: WARM_UP_TIMEOUT_MS },
        (res) => {
          res.resume();
          res.once("end", resolve).once("error", () => resolve());
        },
      );
      request.once("timeout", () => request.destroy()).once("error", () => resolve());
    });
  }
}

/**
 * Page requests without a valid session get a new anonymous one: no sign-up to try the app. With
 * two session cookies (one planted by a sibling origin) a new one would not help, as the planted
 * one stays: neither is trusted, nothing is set, and the API answers UNAUTHORIZED until one goes.
 * A new session is a new owner with fresh per-owner limits, so each address gets a few per minute;
 * past that the page answers 429, delayed (and false: do not serve it), rather than minting owners on demand.
 */
export function ensureSession(
  services: Pick<Services, "auth" | "addressLimits">,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
): boolean {
  const { auth, addressLimits } = services;
  if (req.url?.startsWith("/_next/")) return true;
  const found = auth.sessions.fromHeader(req.headers.cookie);
  if ("session" in found || found.problem === "ambiguous session") return true;
  try {
    addressLimits.admitNewSession(clientAddress(req, addressLimits.settings.trustProxy));
  } catch (error) {
    if (!(error instanceof LimitExceededError)) throw error;
    refuseRequest(services, req, res, path, error);
    return false;
  }
  const session = auth.sessions.issue();
  res.setHeader("Set-Cookie", sessionCookieHeader(session.value, session.maxAgeSeconds, auth.secureCookies));
  return true;
}
