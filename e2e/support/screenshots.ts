import { test, type Page } from "@playwright/test";
import { join } from "node:path";

/** Saves a full-page screenshot as test-results/screenshots/<name>.png for a person to review. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const path = join(test.info().project.outputDir, "screenshots", `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
}
