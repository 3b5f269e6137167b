// Types only: pages never load server modules at runtime (see eslint.config.mjs).
export type { AppRouter } from "../../server/routers/_app";
export type { Run, RunEvent, RunStatus } from "../../server/runs/types";
