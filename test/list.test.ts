import { describe, expect, it } from "vitest";
import { useTestServer } from "./support/fixture";

const api = useTestServer({ executor: { concurrency: 1 } });

describe("run.list", () => {
  it("pages newest first with an opaque cursor, every run exactly once", async () => {
    const { trpc } = api().client();
    const started = [];
    for (let i = 0; i < 7; i++) started.push(await trpc.run.start.mutate({ appPath: `apps/${i}`, stepDelayMs: 0 }));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof trpc.run.list.query>> = await trpc.run.list.query({ limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((run) => run.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    // Newest first; runs created in the same millisecond are ordered by id, descending.
    const newestFirst = [...started].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    expect(seen).toEqual(newestFirst.map((run) => run.id));
  });

  it("defaults to 20 items", async () => {
    const { trpc } = api().client();
    for (let i = 0; i < 15; i++) await trpc.run.start.mutate({ stepDelayMs: 0 });
    const page = await trpc.run.list.query();
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).not.toBeNull();
  });
});
