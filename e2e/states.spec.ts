import { TRPC_PATH } from "../src/shared/api";
import { expect, test } from "./fixtures";
import { outcome } from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";

test("the run page shows a loading state, then an error the user can retry", async ({
  page,
  context,
  api,
  baseURL,
}) => {
  const run = await api.run.start.mutate({ appPath: "/apps/unreachable", stepDelayMs: 0 });
  // The server renders the page with the run when it can read it (see first-paint.spec.ts); here it
  // cannot, as when its database is slow: the page's own path carries a second session cookie, and
  // the server trusts neither. The browser's API calls, in its own session, then read the run.
  await context.addCookies([
    { name: "live_runs_session", value: "planted", url: new URL(`/runs/${run.id}`, baseURL).href },
  ]);
  let failing = true;
  let releaseFirst: () => void = () => {};
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  await page.route(
    (url) => url.pathname === `${TRPC_PATH}/run.get`,
    async (route) => {
      if (!failing) return route.continue();
      await firstHeld;
      await route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify([
          {
            error: {
              message: "database unavailable",
              code: -32603,
              data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 },
            },
          },
        ]),
      });
    },
  );

  await page.goto(`/runs/${run.id}`);
  await expect(page.getByRole("region", { name: "Loading run" })).toBeVisible();
  await saveScreenshot(page, "run-loading");

  releaseFirst();
  await expect(page.getByRole("alert").filter({ hasText: "Couldn't load this run" })).toBeVisible();
  await saveScreenshot(page, "run-error");

  failing = false;
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(outcome(page)).toContainText("Run succeeded");
});
