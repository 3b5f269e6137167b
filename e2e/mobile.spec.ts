import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { expectTimeline, oneTo, outcome } from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";

const NARROW = { width: 390, height: 844 };
test.use({ viewport: NARROW, hasTouch: true });

const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

test("the run and runs pages fit a narrow screen", async ({ page, api }) => {
  const run = await api.run.start.mutate({ appPath: "/apps/mobile/checkout-with-a-long-path", stepDelayMs: 100 });
  await page.goto(`/runs/${run.id}`);
  await expect(outcome(page)).toContainText("Run succeeded");
  await expectTimeline(page, oneTo(13));
  await expect.poll(() => pageWidth(page)).toBeLessThanOrEqual(NARROW.width);
  await saveScreenshot(page, "mobile-run-succeeded");

  await page.goto("/");
  await expect(page.getByRole("list", { name: "Recent runs" })).toBeVisible();
  await expect.poll(() => pageWidth(page)).toBeLessThanOrEqual(NARROW.width);
  await saveScreenshot(page, "mobile-runs-page");
});
