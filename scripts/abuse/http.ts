// Raw HTTP to the server under test with node:http: paths are sent exactly as written (no
// normalisation, no escaping), every call has a deadline, and agents bound the open sockets.
import http from "node:http";
import { type Outcome } from "./tally";

/** The only address the abuse run ever talks to. */
export const LOOPBACK = "127.0.0.1";

export const SESSION_COOKIE = "live_runs_session";

export interface CallOptions {
  method?: string;
  /** Sent as is: malformed escapes and dot segments included. */
  path: string;
  headers?: http.OutgoingHttpHeaders;
  /** A string, or a function that streams the body into the request (respecting backpressure). */
  body?: string | ((req: http.ClientRequest) => Promise<void>);
  /** No complete answer within this: the call is "hung" and its socket is destroyed. */
  timeoutMs: number;
  /** Resolve as soon as the headers arrive, and keep reading the response until this aborts. */
  holdUntil?: AbortSignal;
  /** How much of the response body to keep for the caller (the rest is read and dropped). */
  keepBodyBytes?: number;
}

export interface CallResult {
  outcome: Outcome;
  headers?: http.IncomingHttpHeaders;
  body: string;
  /** Resolves when the exchange is over: for a held response, when it closed (either side). */
  closed: Promise<void>;
}

/** At most `maxSockets` connections at once; without keep-alive every call opens its own. */
export function boundedAgent(maxSockets: number, keepAlive = true): http.Agent {
  return new http.Agent({ keepAlive, maxSockets, maxFreeSockets: maxSockets });
}

export function call(agent: http.Agent, port: number, options: CallOptions): Promise<CallResult> {
  return new Promise((resolve) => {
    let settled = false;
    let status: number | undefined;
    let headers: http.IncomingHttpHeaders | undefined;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    const keepLimit = options.keepBodyBytes ?? 0;
    let markClosed = () => {};
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ outcome, headers, body: Buffer.concat(kept).toString(), closed });
    };
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: LOOPBACK,
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers,
        agent,
      });
    } catch (error) {
      finish({ error: (error as NodeJS.ErrnoException).code ?? "request refused by the client" });
      markClosed();
      return;
    }
    req.on("close", () => markClosed());
    const timer = setTimeout(() => {
      finish({ hung: true });
      req.destroy();
    }, options.timeoutMs);
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      res.on("data", (chunk: Buffer) => {
        if (keptBytes < keepLimit) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
      });
      res.on("error", () => finish({ status: status! }));
      if (options.holdUntil) {
        finish({ status });
        const release = () => req.destroy();
        if (options.holdUntil.aborted) release();
        else options.holdUntil.addEventListener("abort", release, { once: true });
        res.on("close", () => options.holdUntil?.removeEventListener("abort", release));
      } else {
        res.on("end", () => finish({ status: status! }));
        res.on("close", () => finish({ status: status! }));
      }
    });
    // An error after the status line (the server closed while we still wrote) is still that answer.
    req.on("error", (error: NodeJS.ErrnoException) =>
      finish(status !== undefined ? { status } : { error: error.code ?? error.message }),
    );
    if (typeof options.body === "function") {
      options.body(req).then(
        () => req.end(),
        () => req.destroy(),
      );
    } else req.end(options.body);
  });
}

/** `/api/trpc/<procedure>?input=<json>` for a single (unbatched) query. */
export function queryPath(procedure: string, input: unknown): string {
  return `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;
}

/** The `name=value` of the session cookie a response set, if any. */
export function sessionCookieFrom(headers: http.IncomingHttpHeaders | undefined): string | null {
  const cookie = headers?.["set-cookie"]?.find((line) => line.startsWith(`${SESSION_COOKIE}=`));
  return cookie ? cookie.split(";")[0]! : null;
}

/** A new anonymous owner: only page requests mint sessions, so ask for the home page. */
export async function anonymousSession(agent: http.Agent, port: number): Promise<string> {
  const { outcome, headers } = await call(agent, port, { path: "/", timeoutMs: 10_000 });
  const cookie = sessionCookieFrom(headers);
  if (!cookie) throw new Error(`GET / set no session cookie (${JSON.stringify(outcome)})`);
  return cookie;
}

/** Starts a run as the owner of `cookie` over plain HTTP; the run's id when it was accepted. */
export async function startRunAs(
  agent: http.Agent,
  port: number,
  cookie: string,
  input: { stepDelayMs: number; appPath?: string },
  timeoutMs = 10_000,
): Promise<{ outcome: Outcome; runId: string | null }> {
  const { outcome, body } = await call(agent, port, {
    method: "POST",
    path: "/api/trpc/run.start",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify(input),
    timeoutMs,
    keepBodyBytes: 4096,
  });
  let runId: string | null = null;
  if ("status" in outcome && outcome.status === 200) {
    try {
      runId = (JSON.parse(body) as { result: { data: { id: string } } }).result.data.id;
    } catch {
      runId = null;
    }
  }
  return { outcome, runId };
}
