import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { LongRuns } from "./support/long-runs";
import { expectTimeline, oneTo, outcome, renderedSeqs, timeline, waitForSeq } from "./support/run-page";

const count = (page: Page) => page.getByTestId("timeline-count");

test("the timeline filters by event type and by text, and clears back to every event", async ({ page, api }) => {
  const run = await api.run.start.mutate({ stepDelayMs: 0 });
  await page.goto(`/runs/${run.id}`);
  await expect(outcome(page)).toContainText("Run succeeded");
  await expectTimeline(page, oneTo(13));

  await page.getByLabel("Event type").selectOption("NodeStarted");
  await expectTimeline(page, [2, 5, 7, 9, 11]);
  await expect(count(page)).toHaveText("5 matches");

  await page.getByLabel("Event type").selectOption("");
  await page.getByLabel("Find in events").fill("ensuredevice");
  await expectTimeline(page, [2, 3, 4]);

  await page.getByLabel("Event type").selectOption("DebugTrace");
  await expectTimeline(page, [3]);
  await expect(count(page)).toHaveText("1 match");

  await page.getByLabel("Event type").selectOption("");
  await page.getByLabel("Find in events").fill("");
  await expectTimeline(page, oneTo(13));
  await expect(count(page)).toHaveText("13 events");
});

test("in a long run, a filter searches the whole run and ?seq=N opens the timeline around N", async ({
  page,
  api,
  baseURL,
  context,
}) => {
  test.setTimeout(90_000);
  const longRuns = LongRuns.connect(baseURL);
  test.skip(!longRuns, "needs the server under test on Postgres (TEST_DATABASE_URL): PGlite is one process");
  if (!longRuns) return;
  try {
    const owner = await api.run.start.mutate({ stepDelayMs: 0 });
    const runId = await longRuns.insert(owner.id, 20_000);

    // The first event is 20,000 events from the tail the page holds: the server finds it.
    await page.goto(`/runs/${runId}`);
    await waitForSeq(page, 20_000);
    await page.getByLabel("Event type").selectOption("RunStarted");
    await expectTimeline(page, [1]);
    await expect(count(page)).toHaveText("1 match");

    // A deep link: the timeline around event 10,000, marked, with pages on both sides.
    await page.goto(`/runs/${runId}?seq=10000`);
    const target = timeline(page).locator('[data-seq="10000"]');
    await expect(target).toBeVisible();
    await expect(target).toHaveAttribute("data-highlighted", "true");
    await expect(target).toBeInViewport();
    const card = page.getByTestId("timeline");
    expect(Number(await card.getAttribute("data-oldest-seq"))).toBeLessThan(10_000);
    expect(Number(await card.getAttribute("data-newest-seq"))).toBeGreaterThan(10_000);
    const shown = await renderedSeqs(page);
    expect(shown).toContain(10_000);
    expect(shown.length).toBeLessThan(150);

    // Each row's link button copies the address of that deep link.
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await target.hover();
    await page.getByRole("button", { name: "Copy link to event 10000" }).click();
    await expect(page.getByRole("button", { name: "Copy link to event 10000" })).toHaveText("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/runs/${runId}?seq=10000`);
  } finally {
    await longRuns.close();
  }
});
