import { expect, test } from "./fixtures";

test("a run started through the tRPC client appears in the list and updates live", async ({ page, api }) => {
  await page.goto("/");
  await expect(page.getByRole("status", { name: "Live updates" })).toHaveText("Live");

  const run = await api.run.start.mutate({ appPath: "/apps/started-elsewhere", stepDelayMs: 600 });
  const row = page
    .getByRole("list", { name: "Recent runs" })
    .getByRole("listitem")
    .filter({ hasText: run.id.slice(0, 8) });
  await expect(row).toContainText("/apps/started-elsewhere");
  await expect(row).toContainText("Running");
  await expect(row).toContainText("Succeeded");
  await expect(row).toContainText("13 events");
});

test("older runs load page by page with the API's cursor", async ({ page, api }) => {
  // The 21 newest runs: one more than a page.
  for (let index = 0; index <= 20; index += 1) {
    await api.run.start.mutate({ appPath: `/apps/page-${index}`, stepDelayMs: 0 });
  }
  await page.goto("/");
  const list = page.getByRole("list", { name: "Recent runs" });
  const runLink = (index: number) => list.getByRole("link", { name: new RegExp(`^/apps/page-${index} `) });
  await expect(list.getByRole("listitem")).toHaveCount(20);
  await expect(runLink(20)).toBeVisible();
  await expect(runLink(0)).toHaveCount(0);

  await page.getByRole("button", { name: "Load more" }).click();
  await expect(runLink(0)).toBeVisible();
  const hrefs = await list.getByRole("link").evaluateAll((links) => links.map((link) => link.getAttribute("href")));
  expect(new Set(hrefs).size).toBe(hrefs.length);
});
