import { readFile } from "node:fs/promises";
import { expect, test } from "./fixtures";
import { outcome } from "./support/run-page";

test("a run's events download as NDJSON from its page, in the page's session", async ({ page, api }) => {
  const run = await api.run.start.mutate({ stepDelayMs: 0 });
  await page.goto(`/runs/${run.id}`);
  await expect(outcome(page)).toContainText("Run succeeded");

  await page.getByText("Raw events (JSON)").click();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download all events (NDJSON)" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`run-${run.id}-events.ndjson`);
  const lines = (await readFile(await download.path(), "utf8")).trim().split("\n");
  const events = lines.map((line) => JSON.parse(line) as { seq: number; type: string; runId: string });
  expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  expect(events[0]).toMatchObject({ type: "RunStarted", runId: run.id });
  expect(events.at(-1)).toMatchObject({ type: "RunFinished" });
});
