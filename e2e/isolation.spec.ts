import { expect, test } from "./fixtures";
import { outcome } from "./support/run-page";

test("a second browser (another session) can neither open nor list the first one's run", async ({
  page,
  api,
  browser,
}) => {
  const run = await api.run.start.mutate({ appPath: "/apps/private", stepDelayMs: 0 });
  await page.goto(`/runs/${run.id}`);
  await expect(outcome(page)).toContainText("Run succeeded");

  const stranger = await browser.newContext();
  try {
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(`/runs/${run.id}`);
    await expect(strangerPage.getByRole("heading", { name: "Run not found" })).toBeVisible();
    await expect(strangerPage.getByText("/apps/private")).toHaveCount(0);

    await strangerPage.goto("/");
    await expect(strangerPage.getByRole("status", { name: "Live updates" })).toHaveText("Live");
    await expect(strangerPage.getByText(run.id.slice(0, 8))).toHaveCount(0);
  } finally {
    await stranger.close();
  }
  // The owner still sees it in the list.
  await page.goto("/");
  await expect(page.getByRole("list", { name: "Recent runs" })).toContainText("/apps/private");
});
