import { test as base } from "@playwright/test";
import { createRunsClient, type RunsClient } from "@live-runs/client";

interface Fixtures {
  /**
   * The typed tRPC client other programs use, pointed at the server under test and acting in the
   * test's browser session (its cookie), so the runs it starts are the page's to see.
   */
  api: RunsClient["trpc"];
  /** Console errors, page errors and failed requests, attached to a failing test to explain it. */
  browserLog: void;
}

export const test = base.extend<Fixtures>({
  api: async ({ baseURL, context }, provide) => {
    if (!baseURL) throw new Error("baseURL is not configured");
    // A page request issues the browser context its anonymous session cookie.
    await context.request.get(baseURL);
    const cookie = (await context.cookies(baseURL)).map((c) => `${c.name}=${c.value}`).join("; ");
    const client = createRunsClient({ url: baseURL, headers: { cookie } });
    await provide(client.trpc);
    await client.close();
  },
  browserLog: [
    async ({ page }, provide, testInfo) => {
      const started = Date.now();
      const lines: string[] = [];
      const log = (line: string) => lines.push(`+${Date.now() - started} ms ${line}`);
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning")
          log(`console.${message.type()}: ${message.text()}`);
      });
      page.on("pageerror", (error) => log(`page error: ${error.message}`));
      page.on("requestfailed", (request) =>
        log(`request failed: ${request.url()} ${request.failure()?.errorText ?? ""}`),
      );
      page.on("response", (response) => {
        if (response.status() >= 400) log(`HTTP ${response.status()}: ${response.url()}`);
      });
      await provide();
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach("browser-log", {
          body: lines.join("\n") || "(nothing logged)",
          contentType: "text/plain",
        });
      }
    },
    { auto: true },
  ],
});

export { expect } from "@playwright/test";
