import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runs } from "../src/db/schema";
import { HTTP_BATCH_MAX_ITEMS } from "../src/shared/api";
import { useTestServer } from "./support/fixture";
import { request } from "./support/raw-http";

const api = useTestServer();

const runCount = async () =>
  (
    await api()
      .server.services.database.db.select({ n: sql<number>`count(*)::int` })
      .from(runs)
  )[0]!.n;

async function authorization(ownerId: string) {
  return `Bearer ${await api().tokenFor(ownerId)}`;
}

/** `count` calls of `procedure` as one tRPC HTTP batch: the path and the inputs keyed by position. */
function batch(procedure: string, count: number, input: unknown) {
  const path = Array.from({ length: count }, () => procedure).join(",");
  const inputs = Object.fromEntries(Array.from({ length: count }, (_, i) => [i, input]));
  return { path: `/api/trpc/${path}?batch=1`, inputs: JSON.stringify(inputs) };
}

describe("HTTP batch and body limits", () => {
  it(`a batch of ${HTTP_BATCH_MAX_ITEMS + 1} calls answers 400 and none of them runs; ${HTTP_BATCH_MAX_ITEMS} are served`, async () => {
    const { url } = api().server;
    const headers = { authorization: await authorization("batcher"), "content-type": "application/json" };

    const starts = batch("run.start", HTTP_BATCH_MAX_ITEMS + 1, { stepDelayMs: 0 });
    const refused = await request(url, starts.path, { method: "POST", headers, body: starts.inputs });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain("Batch call exceeds maximum size");
    expect(await runCount()).toBe(0);

    const lists = batch("run.list", HTTP_BATCH_MAX_ITEMS + 1, {});
    const tooMany = await request(url, `${lists.path}&input=${encodeURIComponent(lists.inputs)}`, { headers });
    expect(tooMany.status).toBe(400);

    const fits = batch("run.list", HTTP_BATCH_MAX_ITEMS, {});
    const served = await request(url, `${fits.path}&input=${encodeURIComponent(fits.inputs)}`, { headers });
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body)).toHaveLength(HTTP_BATCH_MAX_ITEMS);
  });

  it("the typed client splits a burst of calls into batches the server accepts", async () => {
    const { trpc } = api().client();
    const answers = await Promise.allSettled(
      Array.from({ length: 3 * HTTP_BATCH_MAX_ITEMS + 1 }, () => trpc.run.get.query({ runId: randomUUID() })),
    );
    const codes = answers.map((answer) =>
      answer.status === "rejected" ? (answer.reason as { data?: { code?: string } }).data?.code : "OK",
    );
    expect(new Set(codes)).toEqual(new Set(["NOT_FOUND"]));
  });

  it("a 2 MB body answers 413 with nothing written, sent with a length or chunked; the server serves others", async () => {
    const { url } = api().server;
    const headers = { authorization: await authorization("uploader"), "content-type": "application/json" };
    const body = JSON.stringify({ appPath: "/", padding: "x".repeat(2 * 1024 * 1024) });

    const withLength = await request(url, "/api/trpc/run.start", { method: "POST", headers, body });
    expect(withLength.status).toBe(413);
    expect(JSON.parse(withLength.body)).toMatchObject({ error: { data: { code: "PAYLOAD_TOO_LARGE" } } });
    const chunked = await request(url, "/api/trpc/run.start", {
      method: "POST",
      headers: { ...headers, "transfer-encoding": "chunked" },
      body,
    });
    expect(chunked.status).toBe(413);
    expect(await runCount()).toBe(0);

    const { trpc } = api().client();
    expect(await trpc.run.start.mutate({ stepDelayMs: 0 })).toHaveProperty("id");
    expect(await runCount()).toBe(1);
  });
});
