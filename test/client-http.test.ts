// The typed client's HTTP calls in Node go over node:http with a keep-alive agent, not Node's fetch
// (far cheaper per call): they must still behave as fetch did — answers, errors with the response
// in meta, "fetch failed" with its cause for an unreachable server, aborts, connections reused and
// closed with the client.
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createRunsClient } from "@live-runs/client";
import { TRPCClientError } from "@trpc/client";
import { nodeHttpFetch } from "../packages/client/src/node-http-fetch";
import { awaitCondition } from "./support/await";
import { useTestServer } from "./support/fixture";
import { freeEphemeralPort } from "./support/spawn-server";

const api = useTestServer();

describe("the typed client's HTTP calls in Node", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("go over node:http: queries and mutations are answered without the global fetch", async () => {
    const fetchCalls = vi.fn();
    vi.stubGlobal("fetch", fetchCalls);
    const { trpc, close } = createRunsClient({ url: api().server.url, token: await api().tokenFor("http-owner") });
    try {
      const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
      const [got, list] = await Promise.all([trpc.run.get.query({ runId: run.id }), trpc.run.list.query({})]);
      expect(got.id).toBe(run.id);
      expect(list.items.map((r) => r.id)).toContain(run.id);
      expect(fetchCalls).not.toHaveBeenCalled();
    } finally {
      await close();
    }
  });

  it("an error answer is a TRPCClientError with its code, and the response in meta as fetch's was", async () => {
    const { trpc, close } = createRunsClient({ url: api().server.url, token: "lrt_not-a-token" });
    try {
      const error = await trpc.run.list.query({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCClientError);
      const { data, meta } = error as TRPCClientError<never>;
      expect(data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401 });
      const response = meta?.response as Response;
      expect(response.status).toBe(401);
      expect(response.ok).toBe(false);
      expect(response.headers.get("content-type")).toContain("application/json");
    } finally {
      await close();
    }
  });

  it("an unreachable server fails the call as fetch would: TypeError 'fetch failed' caused by the refusal", async () => {
    const { trpc, close } = createRunsClient({ url: `http://127.0.0.1:${await freeEphemeralPort()}` });
    try {
      // run.cancel is not retried: the error is the first attempt's.
      const error = (await trpc.run.cancel.mutate({ runId: crypto.randomUUID() }).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(TRPCClientError);
      expect(error.cause).toBeInstanceOf(TypeError);
      expect((error.cause as Error).message).toBe("fetch failed");
      expect(((error.cause as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    } finally {
      await close();
    }
  });
});

describe("nodeHttpFetch", () => {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise((resolve) => server?.close(resolve));
  });
  /** A server that answers `/ok` and never answers anything else. */
  const listen = async () => {
    server = createServer((req, res) => {
      if (req.url === "/ok") res.end(JSON.stringify({ method: req.method, length: req.headers["content-length"] }));
    });
    server.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it("reuses one connection for calls in turn, sends the body's byte length, and closes idle connections on close", async () => {
    const base = await listen();
    const http = nodeHttpFetch()!;
    const body = JSON.stringify({ text: "déjà vu" });
    for (let i = 0; i < 3; i++) {
      const response = await http.fetch(`${base}/ok`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      expect(await response.json()).toEqual({
        method: "POST",
        length: String(new TextEncoder().encode(body).byteLength),
      });
    }
    expect(sockets.size).toBe(1);
    http.close();
    await awaitCondition(() => sockets.size === 0, "the idle connection to close");
  });

  it("an aborted call rejects with an AbortError at once and its connection is dropped", async () => {
    const base = await listen();
    const http = nodeHttpFetch()!;
    const controller = new AbortController();
    const pending = http.fetch(`${base}/never`, { signal: controller.signal });
    await awaitCondition(() => sockets.size === 1, "the call to reach the server");
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await awaitCondition(() => sockets.size === 0, "the aborted call's connection to close");
    await expect(http.fetch(`${base}/ok`, { signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
    // As fetch does, an abort with a reason rejects with that reason.
    const leaving = new AbortController();
    const left = http.fetch(`${base}/never`, { signal: leaving.signal });
    const reason = new Error("the caller left");
    leaving.abort(reason);
    await expect(left).rejects.toBe(reason);
    http.close();
  });
});
