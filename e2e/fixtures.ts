import { test as base } from "@playwright/test";
import { createRunsClient, type RunsClient } from "../src/client";

/** `api`: the typed tRPC client other programs use, pointed at the server under test. */
export const test = base.extend<{ api: RunsClient["trpc"] }>({
  api: async ({ baseURL }, provide) => {
    if (!baseURL) throw new Error("baseURL is not configured");
    const client = createRunsClient({ url: baseURL });
    await provide(client.trpc);
    await client.close();
  },
});

export { expect } from "@playwright/test";
