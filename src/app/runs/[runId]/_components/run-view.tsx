"use client";

// A run's page: one piece because it joins what the page holds (the run, its plan, the event
// window, a filter's matches, a replay) into the one view's props; each part lives in _lib.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import type { RunPageOpening } from "../../../../shared/run-page-opening";
import { isActive } from "../../../../shared/run-status";
import { RetryNotice } from "../../../_components/notice";
import { findPlan, usePlans } from "../../../_lib/use-plans";
import { isMissingRun } from "../../../_trpc/errors";
import { useTRPC } from "../../../_trpc/react";
import type { Run, RunEvent } from "../../../_trpc/types";
import { atTail, hasOlder } from "../_lib/event-window";
import { isFiltering, useFilteredEvents, type EventFilter } from "../_lib/use-filtered-events";
import { useReplay } from "../_lib/use-replay";
import { currentStatus } from "../_lib/run-status";
import { stepsOverview } from "../_lib/step-overview";
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
import { ReplayControls } from "./replay-controls";
import { TimelineFilter } from "./timeline-filter";

const noop = () => {};
/** "4 matches", or "4 matches so far" while more of the run remains to be searched. */
const matchesLabel = (count: number, more: boolean) =>
  `${count} ${count === 1 ? "match" : "matches"}${more ? " so far" : ""}`;

const epochMs = (iso: string | null) => (iso ? Date.parse(iso) : null);

/** Start and end of the run: the stored times, or the events' when the stored run is older than them. */
function runSpan(run: Run, first: RunEvent | undefined, finish: RunEvent | null) {
  return {
    startedAt: epochMs(run.startedAt) ?? (first?.type === "RunStarted" ? first.ts : null),
    finishedAt: epochMs(run.finishedAt) ?? finish?.ts ?? null,
  };
}

interface RunViewProps {
  runId: string;
  focusSeq: number | null;
  /** What the server read for the page as it rendered it; null when it could not (then it is read here). */
  opening: RunPageOpening | null;
}

/** A run's page: header, progress and outcome, the live timeline, and the raw events. */
export function RunView({ runId, focusSeq, opening }: RunViewProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runQuery = useQuery(trpc.run.get.queryOptions({ runId }, { initialData: opening?.run }));
  const plans = usePlans(opening?.plans);
  const timeline = useRunTimeline(runId, runQuery.data, focusSeq, opening);
  const { window, connection, retry } = timeline;
  const events = window.events;
  const [selectedScreen, setSelectedScreen] = useState<string | null>(null);
  const [filter, setFilter] = useState<EventFilter>({ type: null, text: "" });
  const filtering = isFiltering(filter);
  const filtered = useFilteredEvents(runId, filtering ? filter : null);
  const [replaying, setReplaying] = useState(false);
  const replay = useReplay(runId, window.latestSeq);

  // The timeline saw the run finish before the fetched run did: re-read it for its stored times.
  const staleRun = runQuery.data !== undefined && isActive(runQuery.data.status) && window.finish !== null;
  useEffect(() => {
    if (staleRun) void queryClient.invalidateQueries({ queryKey: trpc.run.get.queryKey({ runId }) });
  }, [staleRun, queryClient, trpc, runId]);

  const run = runQuery.data;
  const plan = run ? findPlan(plans.data, run.plan) : undefined;
  const whole = window.from === 1 && atTail(window);
  // All of the run's events held: the steps from them, as they arrive; else from the step summary.
  const overview = useMemo(
    () =>
      stepsOverview(whole ? buildTimeline(events, plan?.steps) : null, timeline.steps) ??
      buildTimeline([], plan?.steps),
    [whole, events, plan, timeline.steps],
  );
  const highlighted = useMemo(
    () => (selectedScreen ? seqsAbout(events, selectedScreen) : undefined),
    [events, selectedScreen],
  );

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
  if (plans.isPending || !run) return <RunLoading />;

  const status = currentStatus(run, window.finish, window.latestSeq);
  const { startedAt, finishedAt } = runSpan(run, window.from === 1 ? events[0] : undefined, window.finish);
  return (
    <>
      <RunHeader
        run={run}
        plan={plan}
        status={status}
        startedAt={startedAt}
        finishedAt={finishedAt}
        steps={overview}
        connection={connection}
        onReconnect={retry}
      />
      {isActive(status) ? null : (
        <Outcome
          status={status}
          finish={window.finish ?? undefined}
          timeline={overview}
          durationMs={startedAt !== null && finishedAt !== null ? finishedAt - startedAt : null}
        />
      )}
      <ScreenGraphView events={events} selected={selectedScreen} onSelect={setSelectedScreen} />
      {status === "succeeded" && run.output ? <RunOutput output={run.output} /> : null}
      {timeline.openError ? (
        <RetryNotice
          title="Couldn't load the timeline"
          message={timeline.openError.message}
          onRetry={timeline.reopen}
        />
      ) : (
        <Timeline
          listKey={replaying ? "replay" : filtering ? "filtered" : "all"}
          source={
            replaying
              ? {
                  events: replay.played,
                  hasOlder: false,
                  latestSeq: replay.position,
                  atTail: true,
                  loading: null,
                  loadOlder: noop,
                  loadNewer: noop,
                  loadTail: noop,
                  readingNewest: timeline.readingNewest,
                }
              : filtering
                ? {
                    events: filtered.events,
                    flat: true,
                    hasOlder: filtered.hasMore,
                    latestSeq: window.latestSeq,
                    atTail: true,
                    loading: filtered.loading ? "older" : null,
                    loadOlder: filtered.loadOlder,
                    loadNewer: noop,
                    loadTail: noop,
                    readingNewest: timeline.readingNewest,
                  }
                : {
                    events,
                    hasOlder: hasOlder(window),
                    latestSeq: window.latestSeq,
                    atTail: atTail(window),
                    loading: timeline.loading,
                    loadOlder: timeline.loadOlder,
                    loadNewer: timeline.loadNewer,
                    loadTail: timeline.loadTail,
                    readingNewest: timeline.readingNewest,
                  }
          }
          toolbar={
            replaying ? (
              <ReplayControls
                lastSeq={window.latestSeq}
                position={replay.position}
                playing={replay.playing}
                speed={replay.speed}
                onPlay={replay.play}
                onPause={replay.pause}
                onSpeed={replay.setSpeed}
                onSeek={(seq) => void replay.seek(seq)}
                onExit={() => {
                  replay.pause();
                  setReplaying(false);
                }}
              />
            ) : (
              <>
                <TimelineFilter onChange={setFilter} />
                {isActive(status) ? null : (
                  <button
                    type="button"
                    onClick={() => {
                      setReplaying(true);
                      void replay.seek(0);
                      replay.play();
                    }}
                  >
                    Replay
                  </button>
                )}
              </>
            )
          }
          countLabel={
            replaying
              ? `Replay: ${replay.position} of ${window.latestSeq} events`
              : filtering
                ? matchesLabel(filtered.events.length, filtered.hasMore)
                : undefined
          }
          summaries={timeline.steps}
          planSteps={plan?.steps}
          status={status}
          highlighted={highlighted}
          focusSeq={filtering || replaying ? null : focusSeq}
        />
      )}
      <RawEvents runId={runId} events={events} />
    </>
  );
}
