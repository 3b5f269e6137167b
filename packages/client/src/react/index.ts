// React hooks over the typed client, built on TanStack Query and @trpc/tanstack-react-query:
//   import { RunsProvider, useRun, useRunEvents, useRuns } from "@live-runs/client/react";
export { RunsProvider, useRunsClient, useRunsTRPC, useRunsTRPCClient, type RunsProviderProps } from "./provider.js";
export { useRun, type RunsError, type UseRunOptions } from "./use-run.js";
export {
  useRunEvents,
  type RunEventsResult,
  type RunEventsStatus,
  type UseRunEventsOptions,
} from "./use-run-events.js";
export { useRuns, type UseRunsInput, type UseRunsResult } from "./use-runs.js";
export { isFinished } from "./terminal.js";
