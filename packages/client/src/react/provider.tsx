import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { createContext, useContext, type ReactNode } from "react";
import type { AppRouter } from "../contract.js";
import type { RunsClient } from "../index.js";

// One tRPC context for the package: the hooks below and the app's own queries share it.
const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

const RunsClientContext = createContext<RunsClient | null>(null);

export interface RunsProviderProps {
  /** The client the hooks use; create it once (outside render) and close it when the app is done with it. */
  client: RunsClient;
  /** The app's TanStack Query client: run.get and run.list are cached there. */
  queryClient: QueryClient;
  children?: ReactNode;
}

/** Makes a RunsClient and a QueryClient available to useRun, useRunEvents, useRuns and useRunsTRPC. */
export function RunsProvider({ client, queryClient, children }: RunsProviderProps): ReactNode {
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={client.trpc} queryClient={queryClient}>
        <RunsClientContext.Provider value={client}>{children}</RunsClientContext.Provider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/**
 * The typed query and mutation options of every procedure, for TanStack Query's own hooks:
 * `useMutation(useRunsTRPC().run.start.mutationOptions())`, `useQuery(useRunsTRPC().run.plans.queryOptions())`.
 */
export const useRunsTRPC = useTRPC;

/** The typed tRPC client under the nearest RunsProvider. */
export const useRunsTRPCClient = useTRPCClient;

/** The RunsClient under the nearest RunsProvider (its subscribeToRun, waitForRun). */
export function useRunsClient(): RunsClient {
  const client = useContext(RunsClientContext);
  if (!client) throw new Error("useRunsClient: no RunsClient here; render the component inside <RunsProvider>");
  return client;
}
