import { expect, test } from "./fixtures";
import { expectTimeline, oneTo, outcome } from "./support/run-page";

test("a finished run replays from its first event, and the scrubber jumps to any point", async ({ page, api }) => {
  const run = await api.run.start.mutate({ stepDelayMs: 300 });
  await page.goto(`/runs/${run.id}`);
  await expect(outcome(page)).toContainText("Run succeeded");
  await expectTimeline(page, oneTo(13));

  // At 10× a ~1.5 s run replays in well under a second, from the first event on.
  await page.getByRole("button", { name: "Replay", exact: true }).click();
  const position = page.getByTestId("replay-position");
  await expect(position).toHaveText("#13 of 13");
  await expectTimeline(page, oneTo(13));

  // Back to the start, then step to event 6: the timeline is the run as it stood then.
  const scrubber = page.getByRole("slider", { name: "Replay position" });
  await scrubber.focus();
  await page.keyboard.press("Home");
  await expect(position).toHaveText("#0 of 13");
  await expectTimeline(page, []);
  for (let step = 0; step < 6; step++) await page.keyboard.press("ArrowRight");
  await expect(position).toHaveText("#6 of 13");
  await expectTimeline(page, oneTo(6));

  // Play on at 100× from there to the end; leaving the replay shows the run again.
  await page.getByRole("combobox", { name: "Replay speed" }).selectOption("100");
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await expect(position).toHaveText("#13 of 13");
  await expectTimeline(page, oneTo(13));
  await page.getByRole("button", { name: "Exit replay" }).click();
  await expect(page.getByTestId("timeline-count")).toHaveText("13 events");
});
