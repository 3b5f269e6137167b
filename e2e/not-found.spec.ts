import { randomUUID } from "node:crypto";
import { expect, test } from "./fixtures";
import { saveScreenshot } from "./support/screenshots";

test("an unknown run id shows that the run was not found", async ({ page }) => {
  const runId = randomUUID();
  await page.goto(`/runs/${runId}`);
  await expect(page.getByRole("heading", { name: "Run not found" })).toBeVisible();
  await expect(page.getByText(runId)).toBeVisible();
  await saveScreenshot(page, "run-not-found");

  await page.getByRole("link", { name: "Back to all runs" }).click();
  await expect(page.getByRole("heading", { name: "Runs", level: 1 })).toBeVisible();
});

test("a link that is not a run id is a 404 with the same message", async ({ page }) => {
  const response = await page.goto("/runs/not-a-run-id");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Run not found" })).toBeVisible();
});
