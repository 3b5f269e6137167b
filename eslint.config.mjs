import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["node_modules/", ".next/", ".data/", "drizzle/", "next-env.d.ts", "playwright-report/", "test-results/"],
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
    // modules there would create a second executor, poller and fan-out. Types are fine.
    files: ["src/app/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/server/**", "**/db/**"], allowTypeImports: true }] },
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
