// The typed client is the package in packages/client (`@live-runs/client`); the repository imports
// it by that name (a path alias in tsconfig.json and vitest.config.ts). This module only keeps the
// old import path working.
export * from "@live-runs/client";
