import { request } from "@playwright/test";
import { startViewTokenApp } from "../examples/view-token/app";
import { expect, test } from "./fixtures";
import { saveScreenshot } from "./support/screenshots";
import { viewTokenAppPort } from "./support/server-settings";

test("the view-token example's page, on its own origin, shows a run's events live until RunFinished", async ({
  page,
  baseURL,
}) => {
  if (!baseURL) throw new Error("baseURL is not configured");
  // The example's backend acts for an owner of its own: a session of the server (no API token can be
  // made here, where the server may hold its embedded database), never the browser's.
  const backendSession = await request.newContext({ baseURL });
  await backendSession.get("/");
  const cookie = (await backendSession.storageState()).cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const app = await startViewTokenApp({
    runsUrl: baseURL,
    headers: { cookie },
    host: "127.0.0.1",
    port: viewTokenAppPort(new URL(baseURL).port),
    stepDelayMs: 500,
  });
  const sockets: string[] = [];
  page.on("websocket", (socket) => sockets.push(socket.url()));
  try {
    await page.goto(app.url);
    const events = page.getByRole("list", { name: "Events" }).locator("li");
    // Live: the first step's events are shown while the run is still going.
    await expect(events.and(page.locator('[data-type="NodeStarted"]')).first()).toBeVisible();
    expect(await events.and(page.locator('[data-type="RunFinished"]')).count()).toBe(0);
    await saveScreenshot(page, "view-token-example-live");

    await expect(events.last()).toHaveAttribute("data-type", "RunFinished");
    await expect(page.getByRole("status")).toHaveText("finished");
    expect(await events.evaluateAll((items) => items.map((item) => Number((item as HTMLElement).dataset.seq)))).toEqual(
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    await expect(events.last()).toContainText("RunFinished succeeded");
    await saveScreenshot(page, "view-token-example-finished");
    // The page's origin is the app's; its WebSocket went to the live runs server, with the view token.
    expect(new URL(page.url()).origin).not.toBe(new URL(baseURL).origin);
    expect(sockets.map((url) => url.split("?")[0])).toEqual([`${baseURL.replace(/^http/, "ws")}/api/trpc`]);
  } finally {
    await app.close();
    await backendSession.dispose();
  }
});
