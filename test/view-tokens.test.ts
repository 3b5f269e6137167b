import { createHash } from "node:crypto";
import { TRPCClientError } from "@trpc/client";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { AppRouter } from "../src/client";
import { viewTokens } from "../src/db/schema";
import { parseEnv, serverOptionsFromEnv } from "../src/env";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { CANONICAL_TIMELINE } from "./support/canonical-timeline";
import { useTestServer } from "./support/fixture";
import { request } from "./support/raw-http";
import { codeOf, socketClient } from "./support/ws-client";

const ALLOWED = "http://localhost:5173";
const api = useTestServer({ allowedOrigins: [ALLOWED] });
const { revocationCacheMs, credentialCheckMs } = serverOptionsFromEnv(parseEnv({})).auth;

const owner = () => api().client().trpc;
const db = () => api().server.services.database.db;

/** An HTTP query as a browser on another origin sends it: Bearer token, no cookie. */
const getOverHttp = (path: string, input: unknown, token: string, origin?: string, url = api().server.url) =>
  request(url, `/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${token}`, ...(origin ? { origin } : {}) },
  });

const postOverHttp = (path: string, input: unknown, headers: Record<string, string>) =>
  request(api().server.url, `/api/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(input),
  });

/** The tRPC code a stream ends with, and when; it must end with an error, not complete. */
async function streamEnd(stream: AsyncIterable<unknown>, timeoutMs: number) {
  const error = await awaitStreamCompletion(stream as AsyncIterable<never>, timeoutMs).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected a tRPC error, got ${String(error)}`);
  return { code: (error as TRPCClientError<AppRouter>).data?.code, at: Date.now() };
}

/** What run.activity ends with. */
function activityEnd(trpc: ReturnType<typeof socketClient>["trpc"]): Promise<string> {
  return new Promise((resolve) => {
    trpc.run.activity.subscribe(undefined, {
      onError: (error) => resolve(String((error as TRPCClientError<AppRouter>).data?.code)),
      onComplete: () => resolve("completed"),
    });
  });
}

describe("run.createViewToken", () => {
  it("mints a token for the owner's run: its own prefix, an ISO expiry 900 s away by default, or ttlSeconds", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 0 });
    const before = Date.now();
    const minted = await owner().run.createViewToken.mutate({ runId: run.id });
    expect(minted.token).toMatch(/^lrv_/);
    expect(new Date(minted.expiresAt).toISOString()).toBe(minted.expiresAt);
    const expiresAt = Date.parse(minted.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 900_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
    const short = await owner().run.createViewToken.mutate({ runId: run.id, ttlSeconds: 60 });
    expect(Date.parse(short.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
    expect(short.token).not.toBe(minted.token);
  });

  it("refuses a ttl outside 60..86400 s with 400, and someone else's or an unknown run with NOT_FOUND", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 0 });
    const authorization = `Bearer ${await api().tokenFor("test-owner")}`;
    for (const ttlSeconds of [59, 86_401, 60.5, "900"]) {
      const response = await postOverHttp("run.createViewToken", { runId: run.id, ttlSeconds }, { authorization });
      expect(response.status, String(ttlSeconds)).toBe(400);
      expect(response.body).toContain("ttlSeconds");
    }
    for (const ttlSeconds of [60, 86_400]) {
      const response = await postOverHttp("run.createViewToken", { runId: run.id, ttlSeconds }, { authorization });
      expect(response.status, String(ttlSeconds)).toBe(200);
    }
    const stranger = api().client({ token: await api().tokenFor("stranger") }).trpc;
    expect(await codeOf(() => stranger.run.createViewToken.mutate({ runId: run.id }))).toBe("NOT_FOUND");
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(await codeOf(() => owner().run.createViewToken.mutate({ runId: unknown }))).toBe("NOT_FOUND");
  });

  it("is open to a browser session's owner too", async () => {
    const cookie = `${SESSION_COOKIE}=${api().server.services.auth.sessions.issue().value}`;
    const started = await postOverHttp("run.start", { stepDelayMs: 0 }, { cookie });
    expect(started.status).toBe(200);
    const runId = (JSON.parse(started.body) as { result: { data: { id: string } } }).result.data.id;
    const minted = await postOverHttp("run.createViewToken", { runId }, { cookie });
    expect(minted.status).toBe(200);
    const { token } = (JSON.parse(minted.body) as { result: { data: { token: string } } }).result.data;
    const read = await getOverHttp("run.get", { runId }, token);
    expect(read.status).toBe(200);
  });

  it("stores only the token's hash", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 0 });
    const { token } = await owner().run.createViewToken.mutate({ runId: run.id });
    const rows = await db().select().from(viewTokens).where(eq(viewTokens.runId, run.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secretHash).toBe(createHash("sha256").update(token).digest("hex"));
    // Nowhere in the table, in any column, is the token or its random part.
    const secretPart = token.slice(token.lastIndexOf("_") + 1, token.lastIndexOf("_") + 20);
    const dump = await db().execute(sql`select * from view_tokens`);
    const text = JSON.stringify(dump);
    expect(text).not.toContain(token);
    expect(text).not.toContain(secretPart);
  });
});

describe("what a view token reaches", () => {
  it("reads its run over a WebSocket (get, eventsPage, steps, events to RunFinished) and no other run", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 20 });
    const other = await owner().run.start.mutate({ stepDelayMs: 0 });
    const { token } = await owner().run.createViewToken.mutate({ runId: run.id });
    const socket = socketClient(api().server.url, { token });
    const { trpc } = socket;
    try {
      const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
      expect(events.map((e) => e.seq)).toEqual(CANONICAL_TIMELINE.map((_, i) => i + 1));
      expect(events).toMatchObject(CANONICAL_TIMELINE);
      expect((await trpc.run.get.query({ runId: run.id })).status).toBe("succeeded");
      expect((await trpc.run.eventsPage.query({ runId: run.id })).events).toHaveLength(13);
      expect((await trpc.run.steps.query({ runId: run.id })).map((step) => step.status)).toEqual(Array(5).fill("done"));
      // The owner's other run is, for this token, not there at all.
      expect(await codeOf(() => trpc.run.get.query({ runId: other.id }))).toBe("NOT_FOUND");
      expect(await codeOf(() => trpc.run.eventsPage.query({ runId: other.id }))).toBe("NOT_FOUND");
      expect(await codeOf(() => trpc.run.steps.query({ runId: other.id }))).toBe("NOT_FOUND");
      expect(await codeOf(() => awaitStreamCompletion(subscribeEvents(trpc, { runId: other.id })))).toBe("NOT_FOUND");
    } finally {
      await socket.close();
    }
  });

  it("is FORBIDDEN everything else, over the WebSocket and over HTTP, and changes nothing", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 60_000 });
    const { token } = await owner().run.createViewToken.mutate({ runId: run.id });
    const socket = socketClient(api().server.url, { token });
    const overHttp = api().client({ token }).trpc;
    try {
      for (const trpc of [socket.trpc, overHttp]) {
        const refused = {
          start: await codeOf(() => trpc.run.start.mutate({ stepDelayMs: 0 })),
          cancel: await codeOf(() => trpc.run.cancel.mutate({ runId: run.id })),
          rerun: await codeOf(() => trpc.run.rerun.mutate({ runId: run.id })),
          list: await codeOf(() => trpc.run.list.query()),
          plans: await codeOf(() => trpc.run.plans.query()),
          createViewToken: await codeOf(() => trpc.run.createViewToken.mutate({ runId: run.id })),
          revokeViewToken: await codeOf(() => trpc.run.revokeViewToken.mutate({ token })),
        };
        expect(refused).toEqual({
          start: "FORBIDDEN",
          cancel: "FORBIDDEN",
          rerun: "FORBIDDEN",
          list: "FORBIDDEN",
          plans: "FORBIDDEN",
          createViewToken: "FORBIDDEN",
          revokeViewToken: "FORBIDDEN",
        });
      }
      expect(await activityEnd(socket.trpc)).toBe("FORBIDDEN");
      const forbidden = await postOverHttp("run.start", {}, { authorization: `Bearer ${token}` });
      expect(forbidden.status).toBe(403);
      expect((JSON.parse(forbidden.body) as { error: { message: string } }).error.message).toContain("view token");
      // Still running, the only run besides those of the earlier tests, and still readable.
      expect((await socket.trpc.run.get.query({ runId: run.id })).status).toBe("running");
      const listed = (await owner().run.list.query({ limit: 100 })).items;
      expect(listed.filter((r) => r.status !== "succeeded").map((r) => r.id)).toEqual([run.id]);
    } finally {
      await owner().run.cancel.mutate({ runId: run.id });
      await socket.close();
    }
  });

  it("downloads its run's events, not another run's", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 0 });
    const other = await owner().run.start.mutate({ stepDelayMs: 0 });
    const { token } = await owner().run.createViewToken.mutate({ runId: run.id });
    const download = (runId: string) =>
      request(api().server.url, `/api/runs/${runId}/events.ndjson`, { headers: { authorization: `Bearer ${token}` } });
    expect((await download(run.id)).status).toBe(200);
    expect((await download(other.id)).status).toBe(404);
  });

  it("works over HTTP from an allowed origin with Bearer, CORS headers and all", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 0 });
    const { token } = await owner().run.createViewToken.mutate({ runId: run.id });
    const preflight = await request(api().server.url, "/api/trpc/run.get", {
      method: "OPTIONS",
      headers: {
        origin: ALLOWED,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.status).toBe(204);
    const read = await getOverHttp("run.get", { runId: run.id }, token, ALLOWED);
    expect(read.status).toBe(200);
    expect(read.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(JSON.parse(read.body)).toMatchObject({ result: { data: { id: run.id } } });
    const page = await getOverHttp("run.eventsPage", { runId: run.id }, token, ALLOWED);
    expect(page.status).toBe(200);
    const unlisted = await getOverHttp("run.get", { runId: run.id }, token, "http://localhost:5174");
    expect(unlisted.status).toBe(403);
    expect(unlisted.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("a malformed, tampered or unknown view token is UNAUTHORIZED, like a wrong API token", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 0 });
    const { token } = await owner().run.createViewToken.mutate({ runId: run.id });
    const expiry = token.slice(4, token.indexOf("_", 4));
    const later = (parseInt(expiry, 36) + 3_600_000).toString(36);
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (const wrong of ["lrv_", "lrv_zz_abc", `${token}x`, token.replace(expiry, later), flipped]) {
      const response = await getOverHttp("run.get", { runId: run.id }, wrong);
      expect(response.status, wrong).toBe(401);
      expect(response.body).toContain("view token");
    }
    expect((await getOverHttp("run.get", { runId: run.id }, token)).status).toBe(200);
  });
});

describe("a view token's revocation", () => {
  it("is revoked by the run's owner: HTTP 401 at once, an open subscription ends UNAUTHORIZED within the cache time", async () => {
    const run = await owner().run.start.mutate({ stepDelayMs: 60_000 });
    const { token } = await owner().run.createViewToken.mutate({ runId: run.id });
    const socket = socketClient(api().server.url, { token });
    try {
      const stream = subscribeEvents(socket.trpc, { runId: run.id });
      await awaitEvents(stream, (events) => events.length >= 3, "the run's first step");
      // Looked up, so cached: revoking must still take effect at once here.
      expect((await getOverHttp("run.get", { runId: run.id }, token)).status).toBe(200);

      const stranger = api().client({ token: await api().tokenFor("stranger") }).trpc;
      expect(await codeOf(() => stranger.run.revokeViewToken.mutate({ token }))).toBe("NOT_FOUND");
      expect((await getOverHttp("run.get", { runId: run.id }, token)).status).toBe(200);

      const revokedAt = Date.now();
      const revoked = await owner().run.revokeViewToken.mutate({ token });
      expect((await getOverHttp("run.get", { runId: run.id }, token)).status).toBe(401);
      const ended = await streamEnd(stream, revocationCacheMs + credentialCheckMs + 5_000);
      expect(ended.code).toBe("UNAUTHORIZED");
      expect(ended.at - revokedAt).toBeLessThan(revocationCacheMs + credentialCheckMs);

      // Idempotent: revoking again answers the same.
      expect(await owner().run.revokeViewToken.mutate({ token })).toEqual(revoked);
      expect(new Date(revoked.revokedAt).toISOString()).toBe(revoked.revokedAt);
      expect(await codeOf(() => owner().run.revokeViewToken.mutate({ token: "lrt_not-a-view-token" }))).toBe(
        "BAD_REQUEST",
      );
      // The run itself is untouched.
      expect((await owner().run.get.query({ runId: run.id })).status).toBe("running");
    } finally {
      await owner().run.cancel.mutate({ runId: run.id });
      await socket.close();
    }
  });
});

describe("a view token's expiry", () => {
  // Open subscriptions re-check credentials only once a minute here: what ends one at the expiry
  // is the expiry itself.
  const expiring = useTestServer({ credentialCheckMs: 60_000 });

  it("expires: an open run.events subscription ends UNAUTHORIZED at the expiry, and HTTP answers 401", async () => {
    const { server } = expiring();
    const { trpc } = expiring().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const { token } = await trpc.run.createViewToken.mutate({ runId: run.id, ttlSeconds: 60 });
    // Not waiting a minute: the stored expiry, which is what counts, is brought forward.
    const expiresAt = Date.now() + 2_500;
    await server.services.database.db
      .update(viewTokens)
      .set({ expiresAt: new Date(expiresAt) })
      .where(eq(viewTokens.secretHash, createHash("sha256").update(token).digest("hex")));
    const socket = socketClient(server.url, { token });
    try {
      const stream = subscribeEvents(socket.trpc, { runId: run.id });
      // RunStarted, NodeStarted, DebugTrace: then the run idles in its 60 s step.
      await awaitEvents(stream, (events) => events.length >= 3, "the run's first step");
      expect(Date.now()).toBeLessThan(expiresAt);
      expect((await getOverHttp("run.get", { runId: run.id }, token, undefined, server.url)).status).toBe(200);

      const ended = await streamEnd(stream, 10_000);
      expect(ended.code).toBe("UNAUTHORIZED");
      expect(ended.at).toBeGreaterThanOrEqual(expiresAt);
      // At the expiry: the periodic re-check is a minute away on this server.
      expect(ended.at - expiresAt).toBeLessThan(1_000);
      expect((await getOverHttp("run.get", { runId: run.id }, token, undefined, server.url)).status).toBe(401);
      expect(await codeOf(() => socket.trpc.run.get.query({ runId: run.id }))).toBe("UNAUTHORIZED");
    } finally {
      await trpc.run.cancel.mutate({ runId: run.id });
      await socket.close();
    }
  });
});
