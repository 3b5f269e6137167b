import { describe, expect, it, vi } from "vitest";
import { createApiToken, revokeApiToken } from "../src/server/auth/api-tokens";
import type { Credential } from "../src/server/auth/credentials";
import { awaitCondition, awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";
import { codeOf, socketClient } from "./support/ws-client";

const CHECK_MS = 200;
const SUBSCRIBERS = 20;
const api = useTestServer({ credentialCheckMs: CHECK_MS });

describe("open subscriptions sharing one credential", () => {
  it("are checked once per interval for all of them, and all end UNAUTHORIZED when it is revoked", async () => {
    const { server } = api();
    const { db } = server.services.database;
    const { token, secret } = await createApiToken(db, "many-tabs");
    const sockets = Array.from({ length: SUBSCRIBERS }, () => socketClient(server.url, { token: secret }));
    try {
      const run = await sockets[0]!.trpc.run.start.mutate({ stepDelayMs: 60_000 });
      const streams = sockets.map(({ trpc }) => subscribeEvents(trpc, { runId: run.id }));
      // RunStarted, NodeStarted, DebugTrace: then the run idles in its 60 s step.
      for (const stream of streams) await awaitEvents(stream, (events) => events.length >= 3, "the run's first step");

      // Nothing calls on these sockets now: every lapse check is the subscriptions' re-check.
      const checks: { at: number; credential: Credential }[] = [];
      const { credentials } = server.services.auth;
      const lapse = credentials.lapse.bind(credentials);
      const spy = vi.spyOn(credentials, "lapse").mockImplementation((credential, now) => {
        checks.push({ at: performance.now(), credential });
        return lapse(credential, now);
      });
      try {
        await awaitCondition(() => checks.length >= 6, "six re-checks", 20 * CHECK_MS + 10_000);
      } finally {
        spy.mockRestore();
      }
      expect(checks.every(({ credential }) => credential.kind === "token" && credential.tokenId === token.id)).toBe(
        true,
      );
      // One check per interval for the twenty of them: twenty timers would be twenty checks apart by
      // a few milliseconds each at most.
      const gaps = checks.slice(1).map(({ at }, i) => at - checks[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThan(CHECK_MS / 2);

      expect(await revokeApiToken(db, token.id)).toBe(true);
      const ends = await Promise.all(streams.map((stream) => codeOf(() => awaitStreamCompletion(stream, 15_000))));
      expect(ends).toEqual(Array(SUBSCRIBERS).fill("UNAUTHORIZED"));
      expect(server.services.auth.watch.size).toBe(0);
      const owner = api().client({ token: await api().tokenFor("many-tabs") }).trpc;
      await owner.run.cancel.mutate({ runId: run.id });
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
    }
  });

  it("stop being watched when their clients leave", async () => {
    const { server } = api();
    const { watch } = server.services.auth;
    const { secret } = await createApiToken(server.services.database.db, "leaving");
    const owner = api().client({ token: secret }).trpc;
    const run = await owner.run.start.mutate({ stepDelayMs: 60_000 });
    const sockets = Array.from({ length: 3 }, () => socketClient(server.url, { token: secret }));
    try {
      const streams = sockets.map(({ trpc }) => subscribeEvents(trpc, { runId: run.id }));
      for (const stream of streams) await awaitEvents(stream, (events) => events.length >= 3, "the run's first step");
      expect(watch.size).toBe(1);
      streams[0]!.unsubscribe();
      await sockets[1]!.close();
      expect(watch.size).toBe(1); // the third is still open
      await sockets[2]!.close();
      await awaitCondition(() => watch.size === 0, "the watch to let go of the credential", 5_000);
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
      await owner.run.cancel.mutate({ runId: run.id });
    }
  });
});
