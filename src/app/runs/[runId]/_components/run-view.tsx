"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { isActive } from "../../../../shared/run-status";
import { RetryNotice } from "../../../_components/notice";
import { findPlan, usePlans } from "../../../_lib/use-plans";
import { isMissingRun } from "../../../_trpc/errors";
import { useTRPC } from "../../../_trpc/react";
import type { Run, RunEvent } from "../../../_trpc/types";
import { currentStatus, finishEvent } from "../_lib/run-status";
import { buildTimeline } from "../_lib/timeline-model";
import { useRunTimeline } from "../_lib/use-run-timeline";
import { Outcome } from "./outcome";
import { RawEvents } from "./raw-events";
import { RunOutput } from "./run-output";
import { RunHeader } from "./run-header";
import { RunLoading } from "./run-loading";
import { RunNotFound } from "./run-not-found";
import { seqsAbout } from "../_lib/screen-graph";
import { ScreenGraphView } from "./screen-graph";
import { Timeline } from "./timeline";

const epochMs = (iso: string | null) => (iso ? Date.parse(iso) : null);

/** Start and end of the run: the stored times, or the events' when the stored run is older than them. */
function runSpan(run: Run, events: readonly RunEvent[]) {
  const started = events.find((event) => event.type === "RunStarted");
  return {
    startedAt: epochMs(run.startedAt) ?? started?.ts ?? null,
    finishedAt: epochMs(run.finishedAt) ?? finishEvent(events)?.ts ?? null,
  };
}

/** A run's page: header, progress and outcome, the live timeline, and the raw events. */
export function RunView({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runQuery = useQuery(trpc.run.get.queryOptions({ runId }));
  const plans = usePlans();
  const { events, connection, retry } = useRunTimeline(runId, runQuery.isSuccess);
  const [selectedScreen, setSelectedScreen] = useState<string | null>(null);

  // The timeline saw the run finish before the fetched run did: re-read it for its stored times.
  const staleRun = runQuery.data !== undefined && isActive(runQuery.data.status) && finishEvent(events) !== undefined;
  useEffect(() => {
    if (staleRun) void queryClient.invalidateQueries({ queryKey: trpc.run.get.queryKey({ runId }) });
  }, [staleRun, queryClient, trpc, runId]);

  if (runQuery.isPending) return <RunLoading />;
  if (runQuery.isError) {
    if (isMissingRun(runQuery.error)) return <RunNotFound runId={runId} />;
    return (
      <RetryNotice
        title="Couldn't load this run"
        message={runQuery.error.message}
        onRetry={() => void runQuery.refetch()}
      />
    );
  }

  // The steps come from the run's plan; without it (unknown here, or run.plans failed) from the events.
  if (plans.isPending) return <RunLoading />;

  const run = runQuery.data;
  const plan = findPlan(plans.data, run.plan);
  const status = currentStatus(run, events);
  const timeline = buildTimeline(events, plan?.steps);
  const { startedAt, finishedAt } = runSpan(run, events);
  return (
    <>
      <RunHeader
        run={run}
        plan={plan}
        status={status}
        startedAt={startedAt}
        finishedAt={finishedAt}
        timeline={timeline}
        connection={connection}
        onReconnect={retry}
      />
      {isActive(status) ? null : (
        <Outcome
          status={status}
          finish={finishEvent(events)}
          timeline={timeline}
          durationMs={startedAt !== null && finishedAt !== null ? finishedAt - startedAt : null}
        />
      )}
      <ScreenGraphView events={events} selected={selectedScreen} onSelect={setSelectedScreen} />
      {status === "succeeded" && run.output ? <RunOutput output={run.output} /> : null}
      <Timeline
        timeline={timeline}
        eventCount={events.length}
        status={status}
        highlighted={selectedScreen ? seqsAbout(events, selectedScreen) : undefined}
      />
      <RawEvents runId={runId} events={events} />
    </>
  );
}
