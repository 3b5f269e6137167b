import { CANONICAL_STEPS } from "../src/shared/canonical-plan";
import { expect, test } from "./fixtures";
import { OtherInstance } from "./support/other-instance";
import { expectTimeline, oneTo, outcome, runStatus, stepsProgress, timeline, waitForSeq } from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";

test("a run resumed on another instance shows a marker live, in the step it resumed, counted once", async ({
  page,
  api,
  baseURL,
}) => {
  const other = OtherInstance.connect(baseURL);
  test.skip(!other, "needs the server under test on Postgres (TEST_DATABASE_URL): PGlite is one process");
  if (!other) return;
  try {
    // Long steps: the run is still in its first step when the other instance takes it over.
    const run = await api.run.start.mutate({ appPath: "/apps/resumed", stepDelayMs: 4_000 });
    await page.goto(`/runs/${run.id}`);
    await waitForSeq(page, 3);
    await expect(runStatus(page)).toHaveText("Running");

    const attempt = await other.takeOver(run.id);
    expect(attempt).toBe(2);
    // Like a resuming instance: from the first step that had not finished.
    const stored = await other.events(run.id);
    const finished = new Set(stored.flatMap((event) => (event.type === "NodeFinished" ? [event.name] : [])));
    const remaining = CANONICAL_STEPS.filter((step) => !finished.has(step));
    const resumedStep = remaining[0]!;
    await other.append(run.id, { type: "RunResumed", attempt, reason: "executor_lost" });
    await other.append(run.id, { type: "NodeStarted", name: resumedStep });

    const marker = timeline(page).locator('[data-type="RunResumed"]');
    await expect(marker).toContainText("Resumed on another instance — attempt 2");
    const step = page.getByRole("listitem", { name: `Step ${resumedStep}: Running` });
    await expect(step.locator('[data-type="RunResumed"]')).toHaveCount(1);
    await expect(step.locator('[data-type="NodeStarted"]')).toHaveCount(2);
    await expect(runStatus(page)).toHaveText("Running");
    await saveScreenshot(page, "run-resumed");

    for (const [index, name] of remaining.entries()) {
      if (index > 0) await other.append(run.id, { type: "NodeStarted", name });
      await other.append(run.id, { type: "NodeFinished", name });
    }
    const last = await other.append(run.id, { type: "RunFinished", status: "succeeded", output: {} });

    await expect(outcome(page)).toContainText("Run succeeded");
    await expectTimeline(page, oneTo(last.seq));
    await expect(marker).toHaveCount(1);
    const steps = CANONICAL_STEPS.length;
    await expect(stepsProgress(page)).toHaveAttribute("aria-valuenow", String(steps));
    await expect(page.getByText(`${steps} of ${steps} steps done`).first()).toBeVisible();
  } finally {
    await other.close();
  }
});
