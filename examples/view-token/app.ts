// A third-party app's backend, as small as it gets: it serves its own page (its own origin) and
// hands that page view tokens for runs, minted with the API token only it holds. A real app would
// first decide whether its signed-in user may see the run.
import http from "node:http";
import { readFile } from "node:fs/promises";
import { build } from "esbuild"; // comes with tsx
import { TRPCClientError } from "@trpc/client";
import { createRunsClient, type AppRouter } from "../../src/client";

export interface ViewTokenAppOptions {
  /** The live runs server, e.g. http://127.0.0.1:3000; its ALLOWED_ORIGINS must list this app's origin. */
  runsUrl: string;
  /** How this backend calls it: an API token, or (tests) the headers of a session. */
  token?: string;
  headers?: Record<string, string>;
  host: string;
  port: number;
  /** Step delay of the runs it starts when the page names none. */
  stepDelayMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY_BYTES = 1_024;

/** Bundles the page's script (small: tRPC's client and a list) and starts serving; `url` is this app's origin. */
export async function startViewTokenApp(options: ViewTokenAppOptions) {
  const [page, bundle] = await Promise.all([
    readFile(new URL("index.html", import.meta.url), "utf8"),
    build({
      entryPoints: [new URL("browser.ts", import.meta.url).pathname],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      write: false,
    }),
  ]);
  const script = bundle.outputFiles[0]!.text;
  const runs = createRunsClient({ url: options.runsUrl, token: options.token, headers: options.headers });

  async function mint(runId: string | undefined) {
    const id = runId ?? (await runs.trpc.run.start.mutate({ stepDelayMs: options.stepDelayMs ?? 300 })).id;
    const { token, expiresAt } = await runs.trpc.run.createViewToken.mutate({ runId: id });
    return { runsUrl: options.runsUrl, runId: id, token, expiresAt };
  }

  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    const path = req.url?.split("?")[0];
    if (req.method === "GET" && path === "/") return send(200, "text/html; charset=utf-8", page);
    if (req.method === "GET" && path === "/app.js") return send(200, "text/javascript; charset=utf-8", script);
    if (req.method !== "POST" || path !== "/api/view-token") return send(404, "text/plain", "not found");
    readSmallJson(req).then(
      async (body) => {
        const runId = (body as { runId?: unknown } | null)?.runId;
        if (runId !== undefined && (typeof runId !== "string" || !UUID.test(runId)))
          return send(400, "application/json", JSON.stringify({ error: "runId must be a run id" }));
        try {
          send(200, "application/json", JSON.stringify(await mint(runId)));
        } catch (error) {
          const notFound =
            error instanceof TRPCClientError && (error as TRPCClientError<AppRouter>).data?.code === "NOT_FOUND";
          send(notFound ? 404 : 502, "application/json", JSON.stringify({ error: String(error) }));
        }
      },
      () =>
        send(
          400,
          "application/json",
          JSON.stringify({ error: `send a JSON object of at most ${MAX_BODY_BYTES} bytes` }),
        ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    url: `http://${options.host}:${options.port}`,
    async close() {
      await runs.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function readSmallJson(req: http.IncomingMessage): Promise<unknown> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_BODY_BYTES) throw new Error("too large");
  }
  return body === "" ? null : JSON.parse(body);
}
