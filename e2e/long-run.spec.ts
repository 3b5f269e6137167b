import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { LongRuns } from "./support/long-runs";
import { outcome, timeline, waitForSeq } from "./support/run-page";

const EVENTS = 20_000;
const viewport = (page: Page) => page.getByTestId("timeline-viewport");
const timelineCard = (page: Page) => page.getByTestId("timeline");
const oldestSeq = async (page: Page) => Number(await timelineCard(page).getAttribute("data-oldest-seq"));
const newestSeq = async (page: Page) => Number(await timelineCard(page).getAttribute("data-newest-seq"));
const domNodes = (page: Page) => page.evaluate(() => document.getElementsByTagName("*").length);

/** The first event row whose bottom is below the viewport's top, and where it is relative to that top. */
const topRow = (page: Page) =>
  viewport(page).evaluate((element) => {
    const top = element.getBoundingClientRect().top;
    for (const row of element.querySelectorAll<HTMLElement>("[data-seq]")) {
      const box = row.getBoundingClientRect();
      if (box.bottom > top) return { seq: Number(row.dataset.seq), offset: Math.round(box.top - top) };
    }
    return null;
  });

test("a long run opens at its tail and scrolls back page by page, keeping the reader's place", async ({
  page,
  api,
  baseURL,
}) => {
  // Fourteen page reads and a reload of the tail: more than the default on a busy machine.
  test.setTimeout(90_000);
  const longRuns = LongRuns.connect(baseURL);
  test.skip(!longRuns, "needs the server under test on Postgres (TEST_DATABASE_URL): PGlite is one process");
  if (!longRuns) return;
  try {
    const owner = await api.run.start.mutate({ stepDelayMs: 0 });
    const runId = await longRuns.insert(owner.id, EVENTS);

    await page.goto(`/runs/${runId}`);
    await expect(outcome(page)).toContainText("Run succeeded");
    await waitForSeq(page, EVENTS);
    await expect(timeline(page).locator(`[data-seq="${EVENTS}"]`)).toHaveAttribute("data-type", "RunFinished");
    await expect(page.getByTestId("timeline-count")).toHaveText(`${EVENTS} events`);
    // The tail only: one page of events held, a screenful of rows in the page.
    expect(await newestSeq(page)).toBe(EVENTS);
    expect(EVENTS - (await oldestSeq(page))).toBeLessThan(1_000);
    expect(await timeline(page).locator("[data-seq]").count()).toBeLessThan(150);
    expect(await domNodes(page)).toBeLessThan(3_000);

    // Scrolling to the top of what is held reads the page before it; the row read is not moved.
    const firstOldest = await oldestSeq(page);
    // Part way into a row, so the row at the top is unambiguous.
    await viewport(page).evaluate((element) => (element.scrollTop = 57));
    const before = (await topRow(page))!;
    await expect.poll(() => oldestSeq(page)).toBeLessThan(firstOldest);
    const after = (await topRow(page))!;
    expect(after.seq).toBe(before.seq);
    expect(Math.abs(after.offset - before.offset)).toBeLessThanOrEqual(2);

    // Far back, the newest pages are dropped: what the page holds stays bounded.
    for (let page_ = 0; page_ < 12; page_++) {
      const oldest = await oldestSeq(page);
      await viewport(page).evaluate((element) => (element.scrollTop = 0));
      await expect.poll(() => oldestSeq(page)).toBeLessThan(oldest);
    }
    expect((await newestSeq(page)) - (await oldestSeq(page))).toBeLessThanOrEqual(2_000);
    expect(await newestSeq(page)).toBeLessThan(EVENTS);
    expect(await domNodes(page)).toBeLessThan(3_000);

    // Back to the newest event in one click.
    await page.getByTestId("timeline-jump-latest").click();
    await waitForSeq(page, EVENTS);
    await expect(timelineCard(page)).toHaveAttribute("data-following", "true");

    // The tab's cache keeps a bounded tail, not the run.
    const cached = await page.evaluate((id) => sessionStorage.getItem(`live-runs:timeline:${id}`)?.length ?? 0, runId);
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(500_000);
  } finally {
    await longRuns.close();
  }
});
