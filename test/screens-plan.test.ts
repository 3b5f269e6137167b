import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../src/server/events/types";
import { awaitCondition, awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { createTestDatabase, type TestDatabase } from "./support/test-database";
import { startTestServer, type TestServer } from "./support/test-server";

/** A small site for the crawler, served by the test: what each path answers, and what was asked. */
function fixtureSite() {
  const requests: { path: string; cookie: string | undefined }[] = [];
  const hanging = new Set<http.ServerResponse>();
  let aborted = 0;
  const page = (title: string, links: string[]) =>
    `<!doctype html><html><head><title>${title}</title></head><body>${links.map((l) => `<a href="${l}">x</a>`).join(" ")}</body></html>`;
  const routes: Record<string, (res: http.ServerResponse) => void> = {
    "/": html(
      page("Home", [
        "/a",
        "/b",
        "/a#reviews",
        "/deep1",
        "/redirect-same",
        "/redirect-other",
        "/missing",
        "/data.json",
        "http://other.example/x",
        "mailto:help@example.com",
      ]),
    ),
    "/a": html(page("Page A", ["/b", "/"])),
    "/b": html(page("Page B", ["/a"])),
    "/c": html(page("Page C", [])),
    "/deep1": html(page("Deep 1", ["/deep2"])),
    "/deep2": html(page("Deep 2", ["/deep3"])),
    "/deep3": html(page("Deep 3", ["/deep4"])),
    "/deep4": html(page("Deep 4", [])),
    "/redirect-same": redirect("/c"),
    "/redirect-other": redirect("http://other.example/"),
    "/data.json": (res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    "/hang": (res) => {
      hanging.add(res);
      res.on("close", () => {
        if (!res.writableEnded) aborted += 1;
      });
    },
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url!, "http://x").pathname;
    requests.push({ path, cookie: req.headers.cookie });
    (routes[path] ?? ((r) => r.writeHead(404, { "content-type": "text/html" }).end("<title>Not found</title>")))(res);
  });
  return {
    requests,
    aborted: () => aborted,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function html(body: string) {
  return (res: http.ServerResponse) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(body);
}
function redirect(location: string) {
  return (res: http.ServerResponse) => res.writeHead(302, { location }).end();
}

const traces = (events: RunEvent[], fn: string) => events.filter((e) => e.fn === fn).map((e) => e.data);

let database: TestDatabase;
let api: TestServer;
let demo: TestServer | undefined;
let demoDatabase: TestDatabase | undefined;
const site = fixtureSite();
let origin: string;
beforeAll(async () => {
  origin = await site.start();
  database = await createTestDatabase();
  api = await startTestServer(database, { crawlAllowedOrigins: [origin] });
});
afterAll(async () => {
  await api.close();
  await demo?.close();
  await demoDatabase?.drop();
  await site.stop();
  await database.drop();
});

async function crawl(server: TestServer, input: { startUrl: string; maxScreens?: number; maxDepth?: number }) {
  const { trpc } = server.client();
  const run = await trpc.run.start.mutate({ plan: "screens", input });
  const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }), 20_000);
  return { events, run: await trpc.run.get.query({ runId: run.id }) };
}

describe("the screens plan", () => {
  it("maps the fixture site: screens breadth-first, links as edges, what is not a screen skipped with the reason", async () => {
    const { events, run } = await crawl(api, { startUrl: `${origin}/` });
    const url = (path: string) => `${origin}${path}`;
    expect(run.status).toBe("succeeded");
    expect(run.appPath).toBe(url("/"));
    expect(run.output).toEqual({
      screens: [
        { url: url("/"), title: "Home", depth: 0 },
        { url: url("/a"), title: "Page A", depth: 1 },
        { url: url("/b"), title: "Page B", depth: 1 },
        { url: url("/deep1"), title: "Deep 1", depth: 1 },
        { url: url("/deep2"), title: "Deep 2", depth: 2 },
        // Reached through a redirect, found after the page that redirected was fetched.
        { url: url("/c"), title: "Page C", depth: 1 },
        { url: url("/deep3"), title: "Deep 3", depth: 3 },
      ],
      edges: [
        { from: url("/"), to: url("/a") },
        { from: url("/"), to: url("/b") },
        { from: url("/"), to: url("/deep1") },
        { from: url("/a"), to: url("/b") },
        { from: url("/a"), to: url("/") },
        { from: url("/b"), to: url("/a") },
        { from: url("/deep1"), to: url("/deep2") },
        { from: url("/deep2"), to: url("/deep3") },
      ],
    });
    expect(traces(events, "screen.discovered")[0]).toEqual({
      url: url("/"),
      title: "Home",
      depth: 0,
      links: ["/a", "/b", "/deep1", "/redirect-same", "/redirect-other", "/missing", "/data.json"].map(url),
    });
    expect(traces(events, "screen.skipped")).toEqual([
      { url: "http://other.example/x", reason: "outside the origins this server may crawl" },
      { url: url("/redirect-same"), reason: `redirects to ${url("/c")}` },
      { url: url("/redirect-other"), reason: "redirects to http://other.example/, which is not crawled" },
      { url: url("/missing"), reason: "HTTP 404" },
      { url: url("/data.json"), reason: "not HTML (application/json)" },
    ]);
    // Depth 3 is the last one followed; no session or cookie ever went out.
    expect(site.requests.map((r) => r.path)).not.toContain("/deep4");
    expect(site.requests.every((r) => r.cookie === undefined)).toBe(true);
  });

  it("honours maxScreens and maxDepth", async () => {
    const few = await crawl(api, { startUrl: `${origin}/`, maxScreens: 2 });
    expect((few.run.output!.screens as unknown[]).length).toBe(2);
    const shallow = await crawl(api, { startUrl: `${origin}/`, maxDepth: 0 });
    expect(shallow.run.output).toEqual({ screens: [{ url: `${origin}/`, title: "Home", depth: 0 }], edges: [] });
  });

  it("refuses a startUrl on an origin it may not fetch, and inputs out of range, at run.start", async () => {
    const { trpc } = api.client();
    for (const input of [
      { startUrl: "http://169.254.169.254/latest/meta-data/" },
      { startUrl: `${origin}/`, maxScreens: 201 },
      { startUrl: `${origin}/`, maxDepth: 6 },
      { startUrl: "file:///etc/passwd" },
    ]) {
      await expect(trpc.run.start.mutate({ plan: "screens", input })).rejects.toMatchObject({
        data: { code: "BAD_REQUEST" },
      });
    }
  });

  it("a cancel mid-crawl ends the run at once and aborts the request in flight", async () => {
    const { trpc } = api.client();
    const run = await trpc.run.start.mutate({ plan: "screens", input: { startUrl: `${origin}/hang` } });
    const stream = subscribeEvents(trpc, { runId: run.id });
    await awaitEvents(stream, (events) => events.some((e) => e.type === "NodeStarted"), "the crawl to start");
    await awaitCondition(() => site.requests.some((r) => r.path === "/hang"), "the crawler to ask for /hang");

    const cancelled = await trpc.run.cancel.mutate({ runId: run.id });
    const events = await awaitStreamCompletion(stream);
    expect(cancelled.status).toBe("cancelled");
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "cancelled" });
    await awaitCondition(() => site.aborted() === 1, "the request in flight to be aborted");
  });

  it("on the embedded default (PGlite, default settings) it crawls the server's own demo app, and nothing else", async () => {
    // What `npm run dev` runs with no settings; a database of its own, so the other server's
    // executor (with other settings) cannot take its runs.
    demoDatabase = await createTestDatabase("pglite");
    demo = await startTestServer(demoDatabase);
    const startUrl = `${demo.server.url}/demo-app/`;
    const { events, run } = await crawl(demo, { startUrl });
    const screens = run.output!.screens as { url: string; title: string }[];
    expect(run.status).toBe("succeeded");
    expect(screens).toHaveLength(13);
    expect(demo.server.services.database.kind).toBe("pglite");
    expect(screens[0]).toEqual({ url: startUrl, title: "Home · Trailhead Outfitters", depth: 0 });
    expect(traces(events, "screen.skipped").map((t) => t!.reason)).toEqual(
      expect.arrayContaining(["HTTP 404", "not HTML (application/pdf)", "outside the origins this server may crawl"]),
    );
    // Plain files: no cookie, nothing outside the folder.
    const page = await fetch(startUrl);
    expect(page.headers.get("set-cookie")).toBeNull();
    for (const path of ["/demo-app/../package.json", "/demo-app/%2e%2e/package.json", "/demo-app/.env"])
      expect((await fetch(`${demo.server.url}${path}`)).status).toBeGreaterThanOrEqual(400);
    // Its own pages (and their sessions) are no crawl target.
    await expect(
      demo.client().trpc.run.start.mutate({ plan: "screens", input: { startUrl: `${demo.server.url}/` } }),
    ).rejects.toMatchObject({ data: { code: "BAD_REQUEST" } });
  });
});
