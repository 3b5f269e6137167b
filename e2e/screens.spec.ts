import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { outcome, timeline } from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";

const graph = (page: Page) => page.getByRole("region", { name: "Screen graph" });
const screenCount = async (page: Page) =>
  Number((await graph(page).getByTestId("screen-graph-counts").textContent())?.match(/^(\d+) screen/)?.[1] ?? 0);
const nodes = (page: Page) => graph(page).locator("g[data-url]");

// The demo app the server serves at /demo-app/: 13 screens (a broken link, a PDF and another site are not).
const DEMO_SCREENS = 13;

test("a screens run started from the runs page draws its graph live, across a reload, and keeps it", async ({
  page,
  baseURL,
}) => {
  await page.goto("/");
  await page.getByLabel("Plan", { exact: true }).selectOption({ label: "Screens" });
  // The form starts on this server's own demo app: a real crawl with no setup.
  await expect(page.getByRole("textbox", { name: "Start URL" })).toHaveValue(`${baseURL}/demo-app/`);
  await page.getByRole("spinbutton", { name: "Page delay (ms)" }).fill("250");
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);

  // The graph grows as screens are discovered.
  await expect.poll(() => screenCount(page)).toBeGreaterThanOrEqual(3);
  const beforeReload = await screenCount(page);
  expect(beforeReload).toBeLessThan(DEMO_SCREENS);
  await saveScreenshot(page, "screen-graph-growing");

  await page.reload();
  // After the reload the screens found so far are back at once, and the crawl goes on.
  await expect.poll(() => screenCount(page)).toBeGreaterThanOrEqual(beforeReload);
  await expect(outcome(page)).toContainText("Run succeeded", { timeout: 20_000 });
  await expect(graph(page).getByTestId("screen-graph-counts")).toContainText(`${DEMO_SCREENS} screens`);
  await expect(nodes(page)).toHaveCount(DEMO_SCREENS);
  await expect(nodes(page).first()).toHaveAccessibleName(`Home · Trailhead Outfitters (${baseURL}/demo-app/)`);

  // Hover shows a screen's URL; selecting it highlights its events in the timeline.
  const cart = graph(page).locator(`g[data-url="${baseURL}/demo-app/cart.html"]`);
  await cart.hover();
  await expect(graph(page).getByTestId("screen-graph-url")).toHaveText(`${baseURL}/demo-app/cart.html`);
  await cart.click();
  await expect(cart).toHaveAttribute("aria-pressed", "true");
  const highlighted = timeline(page).locator("[data-highlighted]");
  await expect(highlighted).toHaveCount(1);
  await expect(highlighted).toContainText("screen.discovered");
  await saveScreenshot(page, "screen-graph-finished");

  // A finished run's graph is there after a reload too.
  await page.reload();
  await expect(nodes(page)).toHaveCount(DEMO_SCREENS);
});
