import type { Run, RunEvent } from "../../../src/app/_trpc/types";
import type { RunEvent as FlatRunEvent } from "../../../src/server/events/types";
import { CANONICAL_STEPS } from "../../../src/shared/canonical-plan";

export const RUN_ID = "5f0c1c2e-8f3a-4c55-9d8e-2b7f1e0a9c41";

// Specs are written against the server's flat event shape; each names its type and that type's
// fields, so each event is one member of the pages' RunEvent union.
type EventSpec = Pick<FlatRunEvent, "type"> & Partial<FlatRunEvent>;

/** Events of one run, numbered from seq 1 and 100 ms apart unless a spec says otherwise. */
export function events(...specs: EventSpec[]): RunEvent[] {
  return specs.map(
    (spec, index) =>
      ({
        runId: RUN_ID,
        seq: index + 1,
        ts: 1_000 + index * 100,
        v: 1,
        source: "worker",
        ...spec,
      }) as RunEvent,
  );
}

export const started = (name: string): EventSpec => ({ type: "NodeStarted", name });
export const finished = (name: string): EventSpec => ({ type: "NodeFinished", name });

/** The specs of a run that went through every canonical step and succeeded: 13 events. */
export const succeededRun = (): EventSpec[] => [
  { type: "RunStarted", source: "api" },
  ...CANONICAL_STEPS.flatMap((name, index) =>
    index === 0
      ? [started(name), { type: "DebugTrace" as const, fn: "ensureDevice.check" }, finished(name)]
      : [started(name), finished(name)],
  ),
  { type: "RunFinished", status: "succeeded" },
];

export function run(overrides: Partial<Run> = {}): Run {
  return {
    id: RUN_ID,
    status: "queued",
    plan: "canonical",
    input: null,
    output: null,
    attempt: 1,
    appPath: "/apps/demo",
    stepDelayMs: 500,
    lastSeq: 0,
    createdAt: "2024-05-06T07:08:09.123Z",
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}
