import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { LongRuns } from "./support/long-runs";
import { outcome, runStatus, timeline } from "./support/run-page";

const EVENTS = 2_000;

/** Whether the row of `seq` lies within the timeline's scrolling box (the page may still need scrolling to it). */
const inTimelineBox = (page: Page, seq: number) =>
  page.getByTestId("timeline-viewport").evaluate((box, wanted) => {
    const row = box.querySelector(`[data-seq="${wanted}"]`);
    if (!row) return false;
    const outer = box.getBoundingClientRect();
    const inner = row.getBoundingClientRect();
    return inner.top >= outer.top - 1 && inner.bottom <= outer.bottom + 1;
  }, seq);

/** A tab that runs no script: what it shows is the server's HTML alone. */
async function withoutScripts(browser: Browser, context: BrowserContext, baseURL: string) {
  const html = await browser.newContext({ baseURL, javaScriptEnabled: false });
  await html.addCookies(await context.cookies(baseURL));
  return html;
}

test("the run page's HTML already shows the run and its newest events, to its owner only", async ({
  browser,
  context,
  api,
  baseURL,
}) => {
  const run = await api.run.start.mutate({ appPath: "/apps/first-paint", stepDelayMs: 0 });
  await expect.poll(async () => (await api.run.get.query({ runId: run.id })).status).toBe("succeeded");

  const html = await withoutScripts(browser, context, baseURL!);
  try {
    const page = await html.newPage();
    await page.goto(`/runs/${run.id}`);
    await expect(runStatus(page)).toHaveText("Succeeded");
    await expect(outcome(page)).toContainText("Run succeeded");
    await expect(timeline(page).locator('[data-seq="13"]')).toHaveAttribute("data-type", "RunFinished");
    expect(await inTimelineBox(page, 13)).toBe(true);
  } finally {
    await html.close();
  }

  // Another visitor's page is rendered without the run (its browser then asks the API, which answers NOT_FOUND).
  const stranger = await browser.newContext({ baseURL, javaScriptEnabled: false });
  try {
    const page = await stranger.newPage();
    await page.goto(`/runs/${run.id}`);
    await expect(page.getByRole("region", { name: "Loading run" })).toBeVisible();
    await expect(page.locator("[data-seq]")).toHaveCount(0);
  } finally {
    await stranger.close();
  }
});

test("a long run's page opens at its tail before any script runs, and hydrates without moving from it", async ({
  browser,
  context,
  page,
  api,
  baseURL,
}) => {
  const longRuns = LongRuns.connect(baseURL);
  test.skip(!longRuns, "needs the server under test on Postgres (TEST_DATABASE_URL): PGlite is one process");
  if (!longRuns) return;
  try {
    const owner = await api.run.start.mutate({ stepDelayMs: 0 });
    const runId = await longRuns.insert(owner.id, EVENTS);

    const html = await withoutScripts(browser, context, baseURL!);
    try {
      const noScripts = await html.newPage();
      await noScripts.goto(`/runs/${runId}`);
      await expect(timeline(noScripts).locator(`[data-seq="${EVENTS}"]`)).toBeAttached();
      expect(await inTimelineBox(noScripts, EVENTS)).toBe(true);
      // A screenful of the newest rows, not the run.
      expect(await timeline(noScripts).locator("[data-seq]").count()).toBeLessThan(30);
    } finally {
      await html.close();
    }

    // With scripts, the same page hydrates without complaint and keeps the tail in view.
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`/runs/${runId}`);
    await expect(outcome(page)).toContainText("Run succeeded");
    await expect(page.getByTestId("timeline")).toHaveAttribute("data-following", "true");
    expect(await inTimelineBox(page, EVENTS)).toBe(true);
    expect(problems).toEqual([]);
  } finally {
    await longRuns.close();
  }
});
