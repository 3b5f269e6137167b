import { describe, expect, it } from "vitest";
import { revokeApiToken, listApiTokens } from "../src/server/auth/api-tokens";
import { SESSION_COOKIE, SessionCookies } from "../src/server/auth/session-cookie";
import { awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";
import { openRawSocket, rawHttpStatus, rawSocketQuery, sessionCookie } from "./support/raw-trpc";
import { codeOf } from "./support/ws-client";

const api = useTestServer();
const limited = useTestServer({ ownerLimits: { activeRunsPerOwner: 2, startsPerMinute: 5 } });

const streamCode = async (stream: AsyncIterable<unknown>) => codeOf(() => awaitStreamCompletion(stream as never));

const statusOf = (path: string, headers: Record<string, string>) => rawHttpStatus(api().server.url, path, headers);

describe("owners", () => {
  it("nobody sees, watches or cancels someone else's run, and it is answered as if it did not exist", async () => {
    const alice = api().client({ token: await api().tokenFor("alice") }).trpc;
    const bob = api().client({ token: await api().tokenFor("bob") }).trpc;
    const run = await alice.run.start.mutate({ stepDelayMs: 60_000 });
    const aliceStream = subscribeEvents(alice, { runId: run.id });
    // RunStarted, NodeStarted, DebugTrace: then the run sits in its 60 s step, so its state holds still.
    await awaitEvents(aliceStream, (events) => events.length >= 3, "alice's run to reach its first step");
    const before = await alice.run.get.query({ runId: run.id });
    const bobActivity: unknown[] = [];
    const activity = bob.run.activity.subscribe(undefined, { onData: (item) => bobActivity.push(item) });

    expect(await codeOf(() => bob.run.get.query({ runId: run.id }))).toBe("NOT_FOUND");
    expect(await codeOf(() => bob.run.cancel.mutate({ runId: run.id }))).toBe("NOT_FOUND");
    expect(await streamCode(subscribeEvents(bob, { runId: run.id }))).toBe("NOT_FOUND");
    expect((await bob.run.list.query()).items).toEqual([]);
    // The same answer as for a run that does not exist at all.
    const unknown = "6f1c2a52-0000-4000-8000-000000000000";
    const messageOf = (call: Promise<unknown>) =>
      call.then(
        () => "no error",
        (e: Error) => e.message,
      );
    const foreignError = await messageOf(bob.run.get.query({ runId: run.id }));
    const unknownError = await messageOf(bob.run.get.query({ runId: unknown }));
    expect(foreignError.replace(run.id, "<id>")).toBe(unknownError.replace(unknown, "<id>"));

    // Bob's cancel changed nothing; alice's own cancel works.
    expect(await alice.run.get.query({ runId: run.id })).toEqual(before);
    expect(before.status).toBe("running");
    expect((await alice.run.list.query()).items.map((r) => r.id)).toEqual([run.id]);
    expect(await alice.run.cancel.mutate({ runId: run.id })).toMatchObject({ status: "cancelled" });
    await awaitStreamCompletion(aliceStream);
    activity.unsubscribe();
    expect(bobActivity).toEqual([]);
  });

  it("programs without credentials, or with wrong or revoked tokens, are UNAUTHORIZED on every procedure", async () => {
    const token = await api().tokenFor("carol");
    const calls = (trpc: ReturnType<typeof api>["client"] extends (...a: never[]) => { trpc: infer T } ? T : never) => [
      () => trpc.run.start.mutate({ stepDelayMs: 0 }),
      () => trpc.run.get.query({ runId: "6f1c2a52-0000-4000-8000-000000000000" }),
      () => trpc.run.cancel.mutate({ runId: "6f1c2a52-0000-4000-8000-000000000000" }),
      () => trpc.run.list.query(),
      () => awaitStreamCompletion(subscribeEvents(trpc, { runId: "6f1c2a52-0000-4000-8000-000000000000" })),
    ];
    const [tokenRow] = await listApiTokens(api().server.services.database.db, "carol");
    expect(await codeOf(() => api().client({ token }).trpc.run.list.query())).toBe("OK");
    await revokeApiToken(api().server.services.database.db, tokenRow!.id);

    for (const credentials of [{}, { token: "lrt_not-a-real-token" }, { token: "garbage" }, { token }]) {
      const { trpc } = api().client(credentials.token ? { token: credentials.token } : { token: "" });
      for (const call of calls(trpc)) expect(await codeOf(call)).toBe("UNAUTHORIZED");
    }
  });

  it("forged, tampered and expired session cookies are refused over HTTP and WebSocket", async () => {
    const sessions = api().server.services.auth.sessions;
    const valid = sessions.issue().value;
    const expired = new SessionCookies("", 1).issue(Date.now() - 60_000).value; // wrong secret and expired
    const expiredButSigned = (() => {
      const real = sessions as unknown as { sign(payload: string): string };
      const payload = `anon:someone.${Date.now() - 1_000}`;
      return `${payload}.${real.sign(payload)}`;
    })();
    const forged = valid.replace(/^anon:[^.]+/, "anon:victim");
    expect(await statusOf("run.list", { cookie: `${SESSION_COOKIE}=${valid}` })).toBe(200);
    for (const value of [expired, expiredButSigned, forged, "x.y.z"]) {
      expect(await statusOf("run.list", { cookie: `${SESSION_COOKIE}=${value}` }), value).toBe(401);
    }
    // Over WebSocket the socket opens, and every call on it is refused.
    const replies = await rawSocketQuery(api().server.url, { cookie: `${SESSION_COOKIE}=${forged}` });
    expect(replies).toContain("UNAUTHORIZED");
  });

  it("a WebSocket or HTTP call from another origin is refused; the server's own origin is not", async () => {
    const { host } = new URL(api().server.url);
    const cookie = sessionCookie(api());
    await expect(openRawSocket(api().server.url, { cookie, origin: "http://evil.example" })).rejects.toThrow(/403/);
    const same = await openRawSocket(api().server.url, { cookie, origin: `http://${host}` });
    same.close();
    expect(await statusOf("run.list", { cookie, origin: "http://evil.example" })).toBe(403);
    expect(await statusOf("run.list", { cookie, origin: `http://${host}` })).toBe(200);
  });
});

describe("abuse limits", () => {
  it("caps active runs per owner exactly, even when starts race; other owners are unaffected", async () => {
    const dave = limited().client({ token: await limited().tokenFor("dave") }).trpc;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => codeOf(() => dave.run.start.mutate({ stepDelayMs: 60_000 }))),
    );
    expect(results.filter((code) => code === "OK")).toHaveLength(2);
    expect(results.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(4);

    const erin = limited().client({ token: await limited().tokenFor("erin") }).trpc;
    expect(await codeOf(() => erin.run.start.mutate({ stepDelayMs: 0 }))).toBe("OK");

    const [first] = (await dave.run.list.query()).items;
    await dave.run.cancel.mutate({ runId: first!.id });
    expect(await codeOf(() => dave.run.start.mutate({ stepDelayMs: 0 }))).toBe("OK");
  });

  it("limits how many runs an owner starts per minute", async () => {
    const frank = limited().client({ token: await limited().tokenFor("frank") }).trpc;
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const code = await codeOf(async () => {
        const run = await frank.run.start.mutate({ stepDelayMs: 0 });
        await awaitStreamCompletion(subscribeEvents(frank, { runId: run.id }));
      });
      codes.push(code);
    }
    expect(codes).toEqual(["OK", "OK", "OK", "OK", "OK", "TOO_MANY_REQUESTS"]);
  });
});
