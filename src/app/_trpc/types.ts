// Types only: pages never load server modules at runtime (see eslint.config.mjs).
export type { AppRouter } from "../../server/routers/_app";
export type { RunEvent } from "../../server/events/types";
export type { Run } from "../../server/runs/types";
export type { RunStatus } from "../../shared/run-status";
export type { PlanInfo } from "../../server/runs/plans";
export type { StartInput as RunStartInput } from "../../server/runs/plans";
