import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // The client package's sources, as tsconfig.json's paths maps them (tsx reads those itself).
    alias: [
      {
        find: /^@live-runs\/client$/,
        replacement: fileURLToPath(new URL("packages/client/src/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Each file creates and drops its own database, so files run in parallel safely.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
