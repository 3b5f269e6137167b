import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import { NODE_TIMEOUT_MS, viewTokenAppPort } from "./e2e/support/server-settings";

// Ports 3200-3299 are this suite's; the API tests use ephemeral ports.
const PORT = Number(process.env.E2E_PORT ?? 3217);
const baseURL = `http://127.0.0.1:${PORT}`;

// Playwright cannot download its own browser on these machines: use Debian's when it is there.
const DEBIAN_CHROMIUM = "/usr/bin/chromium";
const launchOptions = existsSync(DEBIAN_CHROMIUM)
  ? {
      executablePath: DEBIAN_CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    }
  : {};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // One server and one database for the suite; specs run one at a time so timings stay honest on 2 cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    launchOptions,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    // Runs first, while the database is still empty.
    { name: "empty-database", testMatch: "empty-database.spec.ts", use: { ...devices["Desktop Chrome"] } },
    {
      name: "chromium",
      testIgnore: "empty-database.spec.ts",
      dependencies: ["empty-database"],
      use: { ...devices["Desktop Chrome"] },
    },
  ],
  webServer: {
    command: "npm run build && node --import tsx e2e/serve.ts",
    url: baseURL,
    env: {
      PORT: String(PORT),
      HOST: "127.0.0.1",
      NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS),
      // The view-token example's page calls the API from its own origin.
      ALLOWED_ORIGINS: `http://127.0.0.1:${viewTokenAppPort(PORT)}`,
    },
    reuseExistingServer: false,
    timeout: 180_000,
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    stdout: "pipe",
  },
});
