import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import type { PlanRegistry } from "../../plans/registry";
import { isActive } from "../../shared/run-status";
import type { Run } from "./types";
import type { StepSummary } from "@live-runs/client";

// One step of a run, summarised so a view needs none of its events (pending, running, done,
// stopped, skipped; its starts and its event count): defined by the client package's contract.
export type { StepSummary };

interface StepRow {
  name: string;
  first_seq: number;
  starts: number;
  events: number;
  started_at: string | number | null;
  finished_at: string | number | null;
}

/** The run's steps in plan order (nodes the plan no longer has, in the order they ran), in one scan of its events. */
export async function summariseSteps(db: Db, plans: PlanRegistry, run: Run): Promise<StepSummary[]> {
  const rows = await queryRows<StepRow>(
    db,
    sql`with marked as (
          select seq, ts, type, name,
                 max(case when type = 'NodeStarted' then seq end) over (order by seq) as step_seq
          from run_events where run_id = ${run.id}
        ), steps as (
          select step_seq, (select name from run_events where run_id = ${run.id} and seq = step_seq) as name,
                 count(*) filter (where type not in ('RunStarted', 'RunFinished')) as events,
                 count(*) filter (where type = 'NodeStarted') as starts,
                 min(ts) filter (where type = 'NodeStarted') as started_at,
                 max(ts) filter (where type = 'NodeFinished') as finished_at
          from marked where step_seq is not null group by step_seq
        )
        select name, min(step_seq) as first_seq, sum(starts)::int as starts, sum(events)::int as events,
               min(started_at) as started_at, max(finished_at) as finished_at
        from steps group by name order by first_seq`,
  );
  const seen = new Map(rows.map((row) => [row.name, row]));
  const planned = plans.get(run.plan)?.nodes.map((node) => node.name) ?? [];
  const names = [...planned, ...rows.map((row) => row.name).filter((name) => !planned.includes(name))];
  const ended = !isActive(run.status);
  return names.map((name): StepSummary => {
    const row = seen.get(name);
    if (!row)
      return {
        name,
        status: ended ? "skipped" : "pending",
        attempt: 0,
        startedAt: null,
        finishedAt: null,
        eventCount: 0,
      };
    const finishedAt = row.finished_at === null ? null : Number(row.finished_at);
    return {
      name,
      status: finishedAt !== null ? "done" : ended ? "stopped" : "running",
      attempt: row.starts,
      startedAt: row.started_at === null ? null : Number(row.started_at),
      finishedAt,
      eventCount: row.events,
    };
  });
}
