// The example's own web server, on an origin of its own as another app would be: bundles app.tsx
// with esbuild at start, then serves the page, the bundle and /config.json (where the runs server
// is and the token the page sends) with node:http.
//   LIVE_RUNS_TOKEN=<token> npx tsx examples/react-app/server.ts
//   (LIVE_RUNS_URL, default http://127.0.0.1:3000; HOST and PORT, default 127.0.0.1 and 5180; the
//   runs server's ALLOWED_ORIGINS must list http://HOST:PORT)
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface ExampleServerOptions {
  host: string;
  port: number;
  /** The live runs server the page talks to. */
  runsUrl: string;
  /**
   * The API token the page uses. An example's shortcut: a real app's backend would hand its page a
   * short-lived token of its own rather than its API token.
   */
  token: string;
}

export interface ExampleServer {
  /** The page's address; its origin is what the runs server's ALLOWED_ORIGINS must list. */
  url: string;
  close(): Promise<void>;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The page's script: app.tsx with React, TanStack Query, tRPC and the client package in one file. */
export async function bundleExample(): Promise<string> {
  const result = await build({
    entryPoints: [here("app.tsx")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
    // React's production build.
    define: { "process.env.NODE_ENV": '"production"' },
  });
  return result.outputFiles[0]!.text;
}

export async function startExampleServer(options: ExampleServerOptions): Promise<ExampleServer> {
  const [page, script] = await Promise.all([readFile(here("index.html"), "utf8"), bundleExample()]);
  const files = new Map([
    ["/", { type: "text/html; charset=utf-8", body: page }],
    ["/app.js", { type: "text/javascript; charset=utf-8", body: script }],
    [
      "/config.json",
      { type: "application/json", body: JSON.stringify({ url: options.runsUrl, token: options.token }) },
    ],
  ]);
  const server = createServer((req, res) => {
    const file = req.method === "GET" ? files.get((req.url ?? "/").split("?")[0]!) : undefined;
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const token = process.env.LIVE_RUNS_TOKEN;
  if (!token) throw new Error("set LIVE_RUNS_TOKEN to an API token (npm run tokens -- create --owner react-example)");
  const example = await startExampleServer({
    host: process.env.HOST ?? "127.0.0.1",
    port: Number(process.env.PORT ?? 5180),
    runsUrl: process.env.LIVE_RUNS_URL ?? "http://127.0.0.1:3000",
    token,
  });
  process.stdout.write(`example at ${example.url} (the runs server's ALLOWED_ORIGINS must list its origin)\n`);
}
