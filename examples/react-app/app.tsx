// The example's page: start a run and watch its timeline live with the package's React hooks.
// The server URL and the token come from the example's server (/config.json); see README.md.
import { createRunsClient, type RunEvent } from "@live-runs/client";
import { RunsProvider, useRun, useRunEvents, useRuns, useRunsTRPC } from "@live-runs/client/react";
import { QueryClient, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { createRoot } from "react-dom/client";

interface ExampleConfig {
  url: string;
  token: string;
}

function describe(event: RunEvent): string {
  switch (event.type) {
    case "NodeStarted":
    case "NodeFinished":
      return event.name;
    case "DebugTrace":
      return event.fn;
    case "RunResumed":
      return `attempt ${event.attempt} (${event.reason})`;
    case "RunFinished":
      return [event.status, event.reason].filter(Boolean).join(": ");
    default:
      return "";
  }
}

function Timeline({ runId }: { runId: string }) {
  const run = useRun(runId);
  const { events, status, error, lastSeq, retry } = useRunEvents(runId);
  return (
    <section>
      <p>
        Run <code data-testid="run-id">{runId}</code>:{" "}
        <strong data-testid="run-status">{run.data?.status ?? "…"}</strong>
        {" · "}stream <strong data-testid="stream-status">{status}</strong>
        {" · "}last seq <span data-testid="last-seq">{lastSeq}</span>
      </p>
      {error && (
        <p role="alert">
          {error.data?.code} {error.message} <button onClick={retry}>Retry</button>
        </p>
      )}
      <ol data-testid="timeline">
        {events.map((event) => (
          <li key={event.seq} data-seq={event.seq}>
            {event.type} {describe(event)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function RecentRuns() {
  const { runs, hasNextPage, fetchNextPage, isFetchingNextPage } = useRuns({ limit: 5 });
  return (
    <section>
      <h2>Recent runs</h2>
      <ul data-testid="recent-runs">
        {runs.map((run) => (
          <li key={run.id}>
            <code>{run.id.slice(0, 8)}</code> {run.status}
          </li>
        ))}
      </ul>
      {hasNextPage && (
        <button onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
          More
        </button>
      )}
    </section>
  );
}

function Example() {
  const trpc = useRunsTRPC();
  const queryClient = useQueryClient();
  const [stepDelayMs, setStepDelayMs] = useState(300);
  // ?run=<id> watches a run already started (by this token's owner).
  const [watched] = useState(() => new URLSearchParams(location.search).get("run"));
  const start = useMutation(
    trpc.run.start.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.run.list.pathKey() }),
    }),
  );
  const shown = start.data?.id ?? watched;
  return (
    <main>
      <h1>Live runs, from another app</h1>
      <form
        onSubmit={(submit) => {
          submit.preventDefault();
          start.mutate({ stepDelayMs });
        }}
      >
        <label>
          Step delay (ms){" "}
          <input
            type="number"
            min={0}
            max={60000}
            value={stepDelayMs}
            onChange={(change) => setStepDelayMs(change.target.valueAsNumber)}
          />
        </label>{" "}
        <button type="submit" disabled={start.isPending}>
          Start a run
        </button>
      </form>
      {start.error && <p role="alert">{start.error.message}</p>}
      {shown && <Timeline key={shown} runId={shown} />}
      <RecentRuns />
    </main>
  );
}

const config = (await (await fetch("/config.json")).json()) as ExampleConfig;
// One client and one query cache for the page's lifetime: created outside React, never per render.
const client = createRunsClient({ url: config.url, token: config.token });
const queryClient = new QueryClient();
createRoot(document.getElementById("root")!).render(
  <RunsProvider client={client} queryClient={queryClient}>
    <Example />
  </RunsProvider>,
);
