import { expect, test } from "./fixtures";
import { saveScreenshot } from "./support/screenshots";

test("the runs page of a fresh database invites the user to start a run", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "No runs yet" })).toBeVisible();
  await expect(page.getByRole("status", { name: "Live updates" })).toHaveText("Live");
  await expect(page.getByRole("button", { name: "Start run" })).toBeEnabled();
  await saveScreenshot(page, "runs-page-empty");
});
