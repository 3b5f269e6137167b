import { randomUUID } from "node:crypto";
import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import type { AppRouter } from "@live-runs/client";
import { runs } from "../src/db/schema";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";

const api = useTestServer();

async function rejection(call: () => Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await call();
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("expected the call to be rejected");
}

const badStart: unknown[] = [
  { appPath: 42 },
  { appPath: "" },
  { appPath: "x".repeat(513) },
  { stepDelayMs: -1 },
  { stepDelayMs: 60_001 },
  { stepDelayMs: 1.5 },
  { stepDelayMs: "100" },
  "not an object",
];
const badRunId: unknown[] = [{}, { runId: "not-a-uuid" }, { runId: 7 }, { runId: `${randomUUID()}x` }, null];
const badList: unknown[] = [{ limit: 0 }, { limit: 101 }, { limit: 2.5 }, { cursor: 5 }, { cursor: "garbage" }];
const badEvents: unknown[] = [
  { runId: "nope" },
  { runId: randomUUID(), fromSeq: -1 },
  { runId: randomUUID(), fromSeq: 1.5 },
  { runId: randomUUID(), lastEventId: "abc" },
];

describe("bad input", () => {
  it.each(badStart)("run.start rejects %j with BAD_REQUEST and its issues", async (input) => {
    const { trpc } = api().client();
    const error = await rejection(() => trpc.run.start.mutate(input as never));
    expect(error.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
    expect(error.data?.issues?.length).toBeGreaterThan(0);
  });

  it.each(badRunId)("run.get and run.cancel reject %j with BAD_REQUEST", async (input) => {
    const { trpc } = api().client();
    for (const call of [() => trpc.run.get.query(input as never), () => trpc.run.cancel.mutate(input as never)]) {
      expect((await rejection(call)).data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
    }
  });

  it.each(badList)("run.list rejects %j with BAD_REQUEST", async (input) => {
    const { trpc } = api().client();
    expect((await rejection(() => trpc.run.list.query(input as never))).data).toMatchObject({ code: "BAD_REQUEST" });
  });

  it.each(badEvents)("run.events rejects %j with BAD_REQUEST", async (input) => {
    const { trpc } = api().client();
    const stream = subscribeEvents(trpc, input as never);
    await expect(awaitStreamCompletion(stream)).rejects.toMatchObject({ data: { code: "BAD_REQUEST" } });
  });

  it.each([randomUUID(), "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"])(
    "an unknown run id %s is NOT_FOUND on get, cancel and events",
    async (runId) => {
      const { trpc } = api().client();
      expect((await rejection(() => trpc.run.get.query({ runId }))).data).toMatchObject({
        code: "NOT_FOUND",
        httpStatus: 404,
      });
      expect((await rejection(() => trpc.run.cancel.mutate({ runId }))).data).toMatchObject({ code: "NOT_FOUND" });
      await expect(awaitStreamCompletion(subscribeEvents(trpc, { runId }))).rejects.toMatchObject({
        data: { code: "NOT_FOUND" },
      });
    },
  );

  it("malformed HTTP requests are client errors, and the server stays up with nothing written", async () => {
    const base = `${api().server.url}/api/trpc`;
    const responses = await Promise.all([
      fetch(`${base}/run.start`, {
        method: "POST",
        body: "{not json",
        headers: { "content-type": "application/json" },
      }),
      fetch(`${base}/run.nope`, { method: "POST", body: "{}" }),
      fetch(`${base}/run.get?input=%7Bbroken`),
      fetch(`${base}/run.start`, { method: "GET" }),
    ]);
    for (const response of responses) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect(await api().server.services.database.db.select().from(runs)).toEqual([]);
    const { trpc } = api().client();
    expect(await trpc.run.list.query()).toEqual({ items: [], nextCursor: null });
  });

  it("form data and byte streams are refused (415): run.start never runs on input it did not read", async () => {
    const url = `${api().server.url}/api/trpc/run.start`;
    const authorization = `Bearer ${await api().tokenFor("form-poster")}`;
    const form = new FormData();
    form.set("appPath", "/from-a-form");
    const bodies: [string, RequestInit][] = [
      ["form data", { body: form }],
      ["bytes", { body: new Uint8Array([1, 2, 3]), headers: { "content-type": "application/octet-stream" } }],
      ["batched bytes", { body: '{"0":"x"}', headers: { "content-type": "application/octet-stream" } }],
      ["text", { body: "{}", headers: { "content-type": "text/plain" } }],
    ];
    for (const [label, init] of bodies) {
      const batch = label === "batched bytes" ? "?batch=1" : "";
      const headers = { authorization, ...(init.headers as Record<string, string> | undefined) };
      const response = await fetch(`${url}${batch}`, { ...init, method: "POST", headers });
      expect(response.status, label).toBe(415);
    }
    const { trpc } = api().client({ token: authorization.slice("Bearer ".length) });
    expect((await trpc.run.list.query()).items).toEqual([]);
  });
});
