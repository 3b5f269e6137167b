import { TRPCClientError } from "@trpc/client";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runs } from "../src/db/schema";
import { useTestServer } from "./support/fixture";

// Two active runs per owner, so the test can show a retry is answered even at the limit.
const api = useTestServer({ ownerLimits: { startsPerMinute: 1_000, activeRunsPerOwner: 2 } });

// Each test acts as an owner of its own, so one test's runs never count against another's limit.
const ownClient = async () => api().client({ token: await api().tokenFor(`owner-${Math.random()}`) });
const codeOf = (error: unknown) => (error instanceof TRPCClientError ? (error.data as { code?: string }).code : error);
const runsWithKey = async (key: string) =>
  api().server.services.database.db.select({ id: runs.id }).from(runs).where(eq(runs.requestKey, key));

describe("run.start with a requestKey", () => {
  it("a retry with the same key and input returns the same run, even when the owner is at its limit", async () => {
    const { trpc } = await ownClient();
    const first = await trpc.run.start.mutate({ stepDelayMs: 60_000, requestKey: "order-17:attempt" });
    const other = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    // Two active runs now: a new start is refused, a retry of the first is not.
    expect(codeOf(await trpc.run.start.mutate({ stepDelayMs: 0 }).catch((e: unknown) => e))).toBe("TOO_MANY_REQUESTS");
    const retry = await trpc.run.start.mutate({ stepDelayMs: 60_000, requestKey: "order-17:attempt" });
    expect(retry.id).toBe(first.id);
    expect(await runsWithKey("order-17:attempt")).toHaveLength(1);
    await Promise.all([first, other].map((run) => trpc.run.cancel.mutate({ runId: run.id })));
  });

  it("concurrent starts with one key create one run and all return it", async () => {
    const { trpc } = await ownClient();
    const started = await Promise.all(
      Array.from({ length: 8 }, () => trpc.run.start.mutate({ stepDelayMs: 0, requestKey: "racing-key" })),
    );
    expect(new Set(started.map((run) => run.id)).size).toBe(1);
    expect(await runsWithKey("racing-key")).toHaveLength(1);
  });

  it("the same key with a different input is CONFLICT, and nothing is written", async () => {
    const { trpc } = await ownClient();
    await trpc.run.start.mutate({ appPath: "/a", stepDelayMs: 0, requestKey: "conflicting" });
    const error = await trpc.run.start
      .mutate({ appPath: "/b", stepDelayMs: 0, requestKey: "conflicting" })
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe("CONFLICT");
    expect(await runsWithKey("conflicting")).toHaveLength(1);
  });

  it("keys are per owner, and a malformed key is BAD_REQUEST", async () => {
    const mine = await ownClient();
    const theirs = api().client({ token: await api().tokenFor("someone-else") });
    const a = await mine.trpc.run.start.mutate({ stepDelayMs: 0, requestKey: "shared-name" });
    const b = await theirs.trpc.run.start.mutate({ stepDelayMs: 0, requestKey: "shared-name" });
    expect(a.id).not.toBe(b.id);
    for (const requestKey of ["", "has space", "x".repeat(129), "semi;colon"]) {
      expect(codeOf(await mine.trpc.run.start.mutate({ stepDelayMs: 0, requestKey }).catch((e: unknown) => e))).toBe(
        "BAD_REQUEST",
      );
    }
  });

  it("the typed client gives each start a key of its own", async () => {
    const { trpc } = await ownClient();
    const [a, b] = await Promise.all([
      trpc.run.start.mutate({ stepDelayMs: 0 }),
      trpc.run.start.mutate({ stepDelayMs: 0 }),
    ]);
    expect(a.id).not.toBe(b.id);
    const keys = await api()
      .server.services.database.db.select({ key: runs.requestKey })
      .from(runs)
      .where(eq(runs.id, a.id));
    expect(keys[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
  });
});
