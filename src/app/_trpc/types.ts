// Types only: the pages use the client package's contract, like any other app (see eslint.config.mjs).
export type { AppRouter, Run, RunEvent, RunStatus, PlanInfo, RunStartInput } from "@live-runs/client";
