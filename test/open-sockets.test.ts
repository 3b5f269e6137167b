import { TRPCClientError } from "@trpc/client";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { AppRouter } from "@live-runs/client";
import { runs } from "../src/db/schema";
import { parseEnv, serverOptionsFromEnv } from "../src/env";
import { createApiToken, revokeApiToken } from "../src/server/auth/api-tokens";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { awaitCondition, awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";
import { useServerBehindProxy } from "./support/server-behind-proxy";
import { codeOf, socketClient } from "./support/ws-client";

const api = useTestServer();
const { revocationCacheMs, credentialCheckMs, sessionMaxAgeMs } = serverOptionsFromEnv(parseEnv({})).auth;
// The configured bound, plus slack for a loaded machine.
const LAPSE_BOUND_MS = revocationCacheMs + credentialCheckMs + 2_000;

/** The tRPC code a stream ends with, and when; it must end, not complete. */
async function streamEnd(stream: AsyncIterable<never>, timeoutMs: number) {
  const error = await awaitStreamCompletion(stream, timeoutMs).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected a tRPC error, got ${String(error)}`);
  return { code: (error as TRPCClientError<AppRouter>).data?.code, at: Date.now() };
}

describe("credentials that lapse while a WebSocket is open", () => {
  it("a revoked token stops its open socket: the idle run.events and run.activity end UNAUTHORIZED, and so does every call", async () => {
    const db = api().server.services.database.db;
    const { token, secret } = await createApiToken(db, "rita");
    const socket = socketClient(api().server.url, { token: secret });
    const { trpc } = socket;
    try {
      const run = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
      const other = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
      const stream = subscribeEvents(trpc, { runId: run.id });
      // RunStarted, NodeStarted, DebugTrace: then the run idles in its 60 s step.
      await awaitEvents(stream, (events) => events.length >= 3, "the run's first step");
      const activity = subscribeActivity(trpc);
      expect(await codeOf(() => trpc.run.get.query({ runId: run.id }))).toBe("OK");

      const revokedAt = Date.now();
      expect(await revokeApiToken(db, token.id)).toBe(true);
      const [streamEnded, activityEnded] = await Promise.all([
        streamEnd(stream as AsyncIterable<never>, LAPSE_BOUND_MS + 5_000),
        activity.ended,
      ]);
      expect(streamEnded.code).toBe("UNAUTHORIZED");
      expect(streamEnded.at - revokedAt).toBeLessThan(LAPSE_BOUND_MS);
      expect(activityEnded).toBe("UNAUTHORIZED");

      // Every call on the same socket is refused now, and none of them did anything.
      expect(await codeOf(() => trpc.run.cancel.mutate({ runId: other.id }))).toBe("UNAUTHORIZED");
      expect(await codeOf(() => trpc.run.start.mutate({ stepDelayMs: 0 }))).toBe("UNAUTHORIZED");
      expect(await codeOf(() => trpc.run.list.query())).toBe("UNAUTHORIZED");
      expect(await codeOf(() => awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id })))).toBe("UNAUTHORIZED");
      const owner = api().client({ token: await api().tokenFor("rita") }).trpc;
      const listed = (await owner.run.list.query()).items;
      expect(listed.map((r) => [r.id, r.status])).toEqual([
        [other.id, "running"],
        [run.id, "running"],
      ]);
      for (const r of listed) await owner.run.cancel.mutate({ runId: r.id });
    } finally {
      await socket.close();
    }
  });

  it("calls on a socket are refused once the token is revoked, within the cache time", async () => {
    const db = api().server.services.database.db;
    const { token, secret } = await createApiToken(db, "sam");
    const socket = socketClient(api().server.url, { token: secret });
    try {
      expect(await codeOf(() => socket.trpc.run.list.query())).toBe("OK");
      await revokeApiToken(db, token.id);
      let code = "OK";
      await awaitCondition(
        async () => (code = await codeOf(() => socket.trpc.run.list.query())) !== "OK",
        "a call refused after the revocation",
        revocationCacheMs + 2_000,
      );
      expect(code).toBe("UNAUTHORIZED");
    } finally {
      await socket.close();
    }
  });

  it("a session that expires while its socket is open ends the subscription and refuses calls", async () => {
    const sessions = api().server.services.auth.sessions;
    // A session issued as if long ago, so it expires a few seconds from now.
    const lifetimeMs = 4_000;
    const issued = sessions.issue(Date.now() - sessionMaxAgeMs + lifetimeMs);
    const expiresAt = sessions.verify(issued.value)!.expiresAt;
    const socket = socketClient(api().server.url, {
      headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(issued.value)}` },
    });
    const { trpc } = socket;
    try {
      const run = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
      const stream = subscribeEvents(trpc, { runId: run.id });
      await awaitEvents(stream, (events) => events.length >= 3, "the run's first step");
      expect(Date.now()).toBeLessThan(expiresAt); // the socket worked while the session was valid

      const ended = await streamEnd(stream as AsyncIterable<never>, lifetimeMs + credentialCheckMs + 5_000);
      expect(ended.code).toBe("UNAUTHORIZED");
      expect(ended.at).toBeGreaterThanOrEqual(expiresAt);
      expect(ended.at - expiresAt).toBeLessThan(credentialCheckMs + 2_000);
      expect(await codeOf(() => trpc.run.cancel.mutate({ runId: run.id }))).toBe("UNAUTHORIZED");
      expect(await codeOf(() => trpc.run.get.query({ runId: run.id }))).toBe("UNAUTHORIZED");
      // The run was not touched; its owner's session is simply over.
      const db = api().server.services.database.db;
      const [row] = await db.select({ status: runs.status }).from(runs).where(eq(runs.id, run.id));
      expect(row?.status).toBe("running");
    } finally {
      await socket.close();
    }
  });
});

/** A run.activity subscription; `ended` resolves with the code it ends with. */
function subscribeActivity(trpc: ReturnType<typeof socketClient>["trpc"]) {
  let subscription: { unsubscribe(): void } | undefined;
  const ended = new Promise<string>((resolve) => {
    subscription = trpc.run.activity.subscribe(undefined, {
      onError: (error) => resolve(String((error as TRPCClientError<AppRouter>).data?.code)),
      onComplete: () => resolve("completed"),
    });
  });
  return { ended, unsubscribe: () => subscription?.unsubscribe() };
}

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))("the re-check during a database outage", () => {
  const setup = useServerBehindProxy({ LISTENER_CHECK_MS: "300", LEASE_MS: "60000" });

  it("answers SERVICE_UNAVAILABLE on the socket, keeps its open subscription, and works again after", async () => {
    const socket = socketClient(setup().server.url, { token: setup().server.token });
    const { trpc } = socket;
    try {
      const run = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
      const stream = subscribeEvents(trpc, { runId: run.id });
      await awaitEvents(stream, (events) => events.length >= 3, "the run's first step");

      setup().proxy.down();
      const downAt = Date.now();
      // Until a call starts past the cache time, so that its re-check needs the database: a 503 like
      // the rest, never a 500. (A call may take a while here: postgres.js backs off its reconnects.)
      const codes: string[] = [];
      await awaitCondition(
        async () => {
          const startedAt = Date.now();
          codes.push(await codeOf(() => trpc.run.get.query({ runId: run.id })));
          return startedAt - downAt > revocationCacheMs + credentialCheckMs;
        },
        "a call that re-checks the token during the outage",
        60_000,
      );
      expect(new Set(codes)).toEqual(new Set(["SERVICE_UNAVAILABLE"]));
      setup().proxy.up();

      await awaitCondition(
        async () => (await codeOf(() => trpc.run.get.query({ runId: run.id }))) === "OK",
        "the database back",
        30_000,
      );
      expect(await trpc.run.cancel.mutate({ runId: run.id })).toMatchObject({ status: "cancelled" });
      const events = await awaitStreamCompletion(stream, 20_000);
      expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "cancelled" });
      expect(setup().server.logs.filter((line) => line.includes('"errorId"'))).toEqual([]);
    } finally {
      await socket.close();
    }
  }, 150_000);
});
