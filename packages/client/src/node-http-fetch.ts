// How the client makes its HTTP calls in Node: over node:http(s) with a keep-alive agent of its own,
// not the global fetch. Node 20's fetch (undici, web streams) cost ~0.9–1.6 ms of CPU per small
// call on the project's benchmark machine against ~0.25–0.45 ms for node:http, with the same
// connection reuse; a program starting many runs spent more on fetch than on everything else the
// client does. Browsers (and any runtime that is not Node) keep their fetch.

import type { getFetch } from "@trpc/client";
import { isNode } from "./runtime.js";

/** A fetch as tRPC's HTTP link takes it. */
type FetchEsque = ReturnType<typeof getFetch>;
type RequestInitEsque = NonNullable<Parameters<FetchEsque>[1]>;

/** What is sent: tRPC's HTTP link sends a URL string, a method, headers as an object, a string body. */
interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal | undefined;
}

/** A node:http fetch and the closing of its idle connections. */
export interface NodeHttpFetch {
  fetch: FetchEsque;
  close(): void;
}

// What is used of node:http and node:https, typed here: the package's sources take no Node types,
// so that the same files build for browsers.
interface Agent {
  destroy(): void;
  readonly freeSockets: Readonly<Record<string, readonly { destroy(): void }[] | undefined>>;
}
interface IncomingMessage {
  readonly statusCode?: number | undefined;
  readonly statusMessage?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  setEncoding(encoding: "utf8"): void;
  on(event: "data", listener: (chunk: string) => void): void;
  on(event: "end", listener: () => void): void;
  on(event: "error", listener: (error: Error) => void): void;
}
interface ClientRequest {
  on(event: "error", listener: (error: Error) => void): void;
  destroy(error?: Error): void;
  end(body?: string): void;
}
interface HttpModule {
  Agent: new (options: { keepAlive: boolean }) => Agent;
  request(
    url: URL,
    options: { method: string; headers: Record<string, string | number>; agent: Agent },
    onResponse: (response: IncomingMessage) => void,
  ): ClientRequest;
}
interface HttpModules {
  http: HttpModule;
  https: HttpModule;
}

// Variables, so that bundlers leave the imports alone: in a browser this code never runs.
const HTTP_MODULE = "node:http";
const HTTPS_MODULE = "node:https";

/** The fetch for the client's HTTP link: node:http in Node, undefined elsewhere (tRPC then uses the global fetch). */
export function nodeHttpFetch(): NodeHttpFetch | undefined {
  if (!isNode()) return undefined;
  let modules: Promise<HttpModules> | undefined;
  const agents: Partial<Record<"http:" | "https:", Agent>> = {};
  const agentFor = (loaded: HttpModules, protocol: "http:" | "https:") =>
    (agents[protocol] ??= new (protocol === "https:" ? loaded.https : loaded.http).Agent({ keepAlive: true }));
  return {
    fetch: async (input, init = {}) => {
      const target = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
      if (target.protocol !== "http:" && target.protocol !== "https:") {
        throw new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${target.protocol}`) });
      }
      const request = requestOf(init);
      const loaded = await (modules ??= loadModules());
      return send(loaded, agentFor(loaded, target.protocol), target, request);
    },
    // Idle connections end now; one still answering a call ends once the server times it out.
    close: () => {
      for (const agent of Object.values(agents))
        for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    },
  };
}

function requestOf(init: RequestInit | RequestInitEsque): HttpRequest {
  const { body } = init;
  if (body !== undefined && body !== null && typeof body !== "string") {
    throw new TypeError("this fetch sends string bodies only (tRPC's JSON)");
  }
  return {
    method: init.method ?? "GET",
    headers: plainHeaders(init.headers),
    body: body ?? undefined,
    signal: (init as { signal?: AbortSignal | null }).signal ?? undefined,
  };
}

function plainHeaders(headers: RequestInit["headers"]): Record<string, string> {
  if (headers === undefined) return {};
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  if (!(headers instanceof Headers)) return headers;
  const plain: Record<string, string> = {};
  headers.forEach((value, name) => (plain[name] = value));
  return plain;
}

function send(loaded: HttpModules, agent: Agent, target: URL, init: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const { body, signal } = init;
    if (signal?.aborted) return reject(abortReason(signal));
    const headers: Record<string, string | number> = { ...init.headers };
    if (body !== undefined) headers["content-length"] = utf8.encode(body).byteLength;
    // As fetch does: an abort rejects with the signal's reason, and a call that got no complete
    // answer is a TypeError "fetch failed" with the reason as its cause.
    const onAbort = () => {
      reject(abortReason(signal!));
      request.destroy();
    };
    const settle = () => signal?.removeEventListener("abort", onAbort);
    const fail = (error: Error) => {
      settle();
      reject(new TypeError("fetch failed", { cause: error }));
    };
    const module = target.protocol === "https:" ? loaded.https : loaded.http;
    const request = module.request(target, { method: init.method, headers, agent }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("error", fail);
      response.on("end", () => {
        settle();
        resolve(new HttpResponse(target.href, response, text));
      });
    });
    request.on("error", fail);
    signal?.addEventListener("abort", onAbort, { once: true });
    request.end(body);
  });
}

/**
 * The answer to a call, read whole: what tRPC reads (`json()`), and what a caller may read of it in
 * a TRPCClientError's `meta.response` (status, headers, text), as on a fetch Response.
 */
export class HttpResponse {
  readonly status: number;
  readonly statusText: string;
  private readonly rawHeaders: IncomingMessage["headers"];
  private parsedHeaders: Headers | undefined;

  constructor(
    readonly url: string,
    response: IncomingMessage,
    private readonly bodyText: string,
  ) {
    this.status = response.statusCode ?? 0;
    this.statusText = response.statusMessage ?? "";
    this.rawHeaders = response.headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** Built when first read: tRPC itself never reads them. */
  get headers(): Headers {
    if (!this.parsedHeaders) {
      this.parsedHeaders = new Headers();
      for (const [name, value] of Object.entries(this.rawHeaders)) {
        for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
          this.parsedHeaders.append(name, one);
        }
      }
    }
    return this.parsedHeaders;
  }

  text(): Promise<string> {
    return Promise.resolve(this.bodyText);
  }

  /** Rejects (as fetch's does) when the body is not JSON. */
  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text) as unknown);
  }
}

const abortReason = (signal: AbortSignal): Error =>
  (signal.reason as Error | undefined) ?? new DOMException("This operation was aborted", "AbortError");

const utf8 = new TextEncoder();

async function loadModules(): Promise<HttpModules> {
  const [http, https] = (await Promise.all([
    import(/* webpackIgnore: true */ /* @vite-ignore */ HTTP_MODULE),
    import(/* webpackIgnore: true */ /* @vite-ignore */ HTTPS_MODULE),
  ])) as [HttpModule, HttpModule];
  return { http, https };
}
