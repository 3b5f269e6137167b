import { CANONICAL_STEPS } from "../src/shared/canonical-plan";
import { expect, test } from "./fixtures";
import {
  cancelButton,
  connection,
  expectTimeline,
  oneTo,
  outcome,
  renderedEvents,
  runStatus,
  stepsProgress,
  successfulRunEvents,
} from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";

test("a run started from the form shows all 13 events and succeeds", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("App path").fill("/apps/checkout");
  await page.getByLabel("Step delay (ms)").fill("150");
  await page.getByRole("button", { name: "Start run" }).click();

  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("/apps/checkout");
  await expect(outcome(page)).toContainText("Run succeeded");
  await expectTimeline(page, oneTo(13));
  expect(await renderedEvents(page)).toEqual(successfulRunEvents);
  await expect(runStatus(page)).toHaveText("Succeeded");
  await expect(connection(page)).toHaveText("Ended");
  const stepCount = CANONICAL_STEPS.length;
  await expect(stepsProgress(page)).toHaveAttribute("aria-valuenow", String(stepCount));
  await expect(page.getByText(`${stepCount} of ${stepCount} steps done`).first()).toBeVisible();
  await expect(cancelButton(page)).toHaveCount(0);
  await saveScreenshot(page, "run-succeeded");

  await page.getByText("Raw events (JSON)").click();
  const raw = JSON.parse((await page.getByLabel("Raw events").textContent()) ?? "[]") as Array<{ type: string }>;
  expect(raw.map((event) => event.type)).toEqual(successfulRunEvents.map((label) => label.split(" ")[0]));

  const runId = page.url().split("/").at(-1)!;
  await page.getByRole("link", { name: "All runs" }).click();
  const row = page
    .getByRole("list", { name: "Recent runs" })
    .getByRole("listitem")
    .filter({ hasText: runId.slice(0, 8) });
  await expect(row).toContainText("Succeeded");
  await expect(row).toContainText("13 events");
  await expect(row).toContainText("/apps/checkout");
  await saveScreenshot(page, "runs-page-with-runs");
});
