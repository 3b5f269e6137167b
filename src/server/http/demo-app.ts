// The "app under test" the screens plan crawls by default: a few static pages of a made-up shop,
// served by the server itself at /demo-app/. Plain files: no session, no cookies, no limits.
import { readFile } from "node:fs/promises";
import type http from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const DEMO_APP_PATH = "/demo-app";

const folder = fileURLToPath(new URL("../../../demo-app", import.meta.url));
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".pdf": "application/pdf",
  ".css": "text/css; charset=utf-8",
};
// Lower-case names with dashes, in folders; nothing else names a file (no "..", no dot files).
const SAFE_PATH = /^(\/[a-z0-9-]+)*(\/[a-z0-9-]+\.[a-z]+)?\/?$/;

export const isDemoAppPath = (path: string) => path === DEMO_APP_PATH || path.startsWith(`${DEMO_APP_PATH}/`);

/** Answers a GET or HEAD under /demo-app/ from the demo-app folder; `path` is normalised. */
export async function sendDemoApp(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  const relative = path.slice(DEMO_APP_PATH.length) || "/";
  if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, "text/plain", "method not allowed");
  if (relative === "/" && path === DEMO_APP_PATH) {
    res.statusCode = 308;
    res.setHeader("location", `${DEMO_APP_PATH}/`);
    return void res.end();
  }
  const file = relative.endsWith("/") ? `${relative}index.html` : relative;
  const type = CONTENT_TYPES[extname(file)];
  if (!SAFE_PATH.test(relative) || !type) return answer(res, 404, "text/html; charset=utf-8", notFound);
  let body: Buffer;
  try {
    body = await readFile(join(folder, file));
  } catch {
    return answer(res, 404, "text/html; charset=utf-8", notFound);
  }
  // Its own style sheet; no scripts.
  res.setHeader("content-security-policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'");
  res.setHeader("cache-control", "public, max-age=60");
  answer(res, 200, type, req.method === "HEAD" ? null : body, body.length);
}

function answer(res: http.ServerResponse, status: number, type: string, body: Buffer | string | null, length?: number) {
  res.statusCode = status;
  res.setHeader("content-type", type);
  res.setHeader("content-length", length ?? Buffer.byteLength(body ?? ""));
  res.end(body ?? undefined);
}

const notFound = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body><h1>Not found</h1><p>This page does not exist. <a href="${DEMO_APP_PATH}/">Back to the shop</a></p></body></html>`;
