import { expect, test } from "./fixtures";
import { expectTimeline, oneTo, outcome, waitForSeq } from "./support/run-page";

test("two pages watching the same run both see every event once", async ({ page, context, api }) => {
  const run = await api.run.start.mutate({ appPath: "/apps/shared", stepDelayMs: 400 });
  await page.goto(`/runs/${run.id}`);
  await waitForSeq(page, 3);

  // The second viewer joins mid-run: the stored events, then the same live ones.
  const second = await context.newPage();
  await second.goto(`/runs/${run.id}`);

  for (const viewer of [page, second]) {
    await expect(outcome(viewer)).toContainText("Run succeeded");
    await expectTimeline(viewer, oneTo(13));
  }
});
