// A React component of another app, as test/client-package.test.ts installs it beside the packed
// client package with React, TanStack Query and @trpc/tanstack-react-query from the registry: it
// imports only those, and is type-checked there under `nodenext` and `bundler` resolution with
// strict settings. Every value it reads has the contract's type, none `any`.
import { createRunsClient, type Run, type RunEvent, type RunStatus } from "@live-runs/client";
import {
  RunsProvider,
  useRun,
  useRunEvents,
  useRuns,
  useRunsTRPC,
  type RunEventsStatus,
} from "@live-runs/client/react";
import { QueryClient, useMutation } from "@tanstack/react-query";
import type { ReactNode } from "react";

function label(event: RunEvent): string {
  switch (event.type) {
    case "NodeStarted":
    case "NodeFinished":
      return event.name;
    case "RunFinished":
      return event.status;
    default:
      return event.type;
  }
}

function Timeline({ runId }: { runId: string }): ReactNode {
  const run = useRun(runId, { pollMs: 0 });
  const { events, status, error, lastSeq, retry } = useRunEvents(runId, { fromSeq: 0 });
  const state: RunEventsStatus = status;
  const runStatus: RunStatus | undefined = run.data?.status;
  const code: string | undefined = error?.data?.code;
  return (
    <section data-state={state} data-run={runStatus} data-last={lastSeq}>
      {code && <button onClick={retry}>{code}</button>}
      <ol>
        {events.map((event) => (
          <li key={event.seq}>{label(event)}</li>
        ))}
      </ol>
    </section>
  );
}

function Runs(): ReactNode {
  const { runs, hasNextPage, fetchNextPage } = useRuns({ limit: 10, status: "running" });
  const first: Run | undefined = runs[0];
  return (
    <p>
      {first?.id} {hasNextPage && <button onClick={() => void fetchNextPage()}>more</button>}
    </p>
  );
}

function Start(): ReactNode {
  const trpc = useRunsTRPC();
  const start = useMutation(trpc.run.start.mutationOptions());
  const started: Run | undefined = start.data;
  return (
    <>
      <button onClick={() => start.mutate({ plan: "word-count", input: { text: "a b a" } })}>start</button>
      {started && <Timeline runId={started.id} />}
    </>
  );
}

const client = createRunsClient({ url: "http://127.0.0.1:3000", token: "lrt_example" });
const queryClient = new QueryClient();

export function App(): ReactNode {
  return (
    <RunsProvider client={client} queryClient={queryClient}>
      <Start />
      <Runs />
    </RunsProvider>
  );
}
