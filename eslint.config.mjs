import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

// The server's folders, bottom layer first: each may import the layers before it, never one after.
// (executor and auth sit beside runs: none of the three imports another.)
const serverLayers = [["events"], ["delivery"], ["runs", "executor", "auth"], ["trpc"], ["routers"], ["http"]];
const serverZones = serverLayers
  .flatMap((layer, index) =>
    layer.map((folder) => ({
      target: `./src/server/${folder}`,
      from: [...serverLayers.slice(index + 1).flat(), ...layer.filter((other) => other !== folder)].map(
        (other) => `./src/server/${other}`,
      ),
    })),
  )
  .filter((zone) => zone.from.length > 0);

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next/",
      ".data/",
      "drizzle/",
      "next-env.d.ts",
      "playwright-report/",
      "test-results/",
      "packages/*/dist/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": "error",
    },
  },
  {
    // Next bundles src/app separately from the custom server's module graph; importing server
    // modules there would create a second executor, poller and fan-out. Types come from the client
    // package's contract (src/app/_trpc/types.ts), as in any other app.
    files: ["src/app/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/server/**", "**/db/**"], allowTypeImports: false }] },
      ],
    },
  },
  {
    // Layered by the path of an event, so no folder imports a folder that imports it back:
    //   shared ← db ← server/events ← delivery ← runs | executor | auth ← trpc ← routers ← http
    //   shared ← plans ← server (plans know nothing of the server; the executor and the API import them)
    // (server/*.ts files at the top — errors, log, wake-loop, services, server — sit outside the layers.)
    files: ["src/**/*.{ts,tsx}"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".js"] })],
      "import-x/ignore": ["node_modules"],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            { target: "./src/shared", from: "./src", except: ["./shared"] },
            { target: "./src/db", from: ["./src/server", "./src/plans", "./src/app", "./src/cli", "./src/client"] },
            // Plans are plain modules the executor runs: they see shared code and zod, nothing of the server.
            { target: "./src/plans", from: ["./src/server", "./src/db", "./src/app", "./src/cli", "./src/client"] },
            ...serverZones,
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.mjs", "**/*.config.*"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["test/**"],
    rules: { "no-console": "off" },
  },
);
