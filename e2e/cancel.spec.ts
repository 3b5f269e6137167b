import { CANONICAL_STEPS } from "../src/shared/canonical-plan";
import { expect, test } from "./fixtures";
import {
  cancelButton,
  connection,
  oneTo,
  outcome,
  renderedSeqs,
  runStatus,
  timeline,
  waitForSeq,
} from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";

const [firstStep] = CANONICAL_STEPS;

test("cancelling mid-run ends it cancelled, with RunFinished the last event", async ({ page, api }) => {
  // Long steps, so the run is certainly still in its first step when the button is pressed.
  const run = await api.run.start.mutate({ appPath: "/apps/cancel-me", stepDelayMs: 20_000 });
  await page.goto(`/runs/${run.id}`);
  await waitForSeq(page, 3);
  await expect(connection(page)).toHaveText("Live");
  await expect(runStatus(page)).toHaveText("Running");
  await expect(page.getByRole("listitem", { name: `Step ${firstStep}: Running` })).toBeVisible();
  await saveScreenshot(page, "run-live");

  await cancelButton(page).click();
  await expect(outcome(page)).toContainText("Run cancelled");
  await expect(outcome(page)).toContainText(`Cancelled by a user during ${firstStep}`);
  await expect(runStatus(page)).toHaveText("Cancelled");
  await expect(connection(page)).toHaveText("Ended");
  await expect(cancelButton(page)).toHaveCount(0);

  const seqs = await renderedSeqs(page);
  expect(seqs).toEqual(oneTo(seqs.length));
  const last = timeline(page).locator(`[data-seq="${seqs.at(-1)}"]`);
  await expect(last).toHaveAttribute("data-type", "RunFinished");
  await expect(last).toContainText("cancelled · user_cancelled");
  // The stored run agrees: nothing was appended after the RunFinished the page shows.
  const stored = await api.run.get.query({ runId: run.id });
  expect(stored).toMatchObject({ status: "cancelled", lastSeq: seqs.length });
  await saveScreenshot(page, "run-cancelled");
});
