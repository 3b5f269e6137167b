import { CANONICAL_STEPS } from "../src/shared/canonical-plan";
import { expect, test } from "./fixtures";
import { cancelButton, connection, oneTo, outcome, renderedSeqs, runStatus, timeline } from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";
import { NODE_TIMEOUT_MS } from "./support/server-settings";

const [firstStep] = CANONICAL_STEPS;

test("a step that overruns its time limit fails the run, and the page says which and why", async ({ page, api }) => {
  const run = await api.run.start.mutate({ appPath: "/apps/too-slow", stepDelayMs: NODE_TIMEOUT_MS + 2_000 });
  await page.goto(`/runs/${run.id}`);

  await expect(outcome(page)).toContainText("Run failed", { timeout: NODE_TIMEOUT_MS + 10_000 });
  await expect(outcome(page)).toContainText(
    `Step ${firstStep} ran past its time limit. 0 of ${CANONICAL_STEPS.length} steps done`,
  );
  await expect(outcome(page)).toContainText(`timeout:${firstStep}`);
  await expect(runStatus(page)).toHaveText("Failed");
  await expect(connection(page)).toHaveText("Ended");
  await expect(cancelButton(page)).toHaveCount(0);
  await expect(page.getByRole("listitem", { name: `Step ${firstStep}: Stopped` })).toBeVisible();

  const seqs = await renderedSeqs(page);
  expect(seqs).toEqual(oneTo(seqs.length));
  await expect(timeline(page).locator(`[data-seq="${seqs.at(-1)}"]`)).toContainText(`failed · timeout:${firstStep}`);
  await saveScreenshot(page, "run-failed");
});
