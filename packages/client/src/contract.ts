// The API of a live runs server as its clients see it: every procedure's input and output, written
// out here so that a program type-checks against this package alone (no server sources, no
// database types). The repository's type test (test/types/contract.ts) holds the server's router
// to this contract, procedure by procedure, so the two cannot drift apart unnoticed.
// One file on purpose: the whole API a client sees, read top to bottom (runs, events, inputs,
// outputs, errors, the router), hence its length.
import type {
  TRPC_ERROR_CODE_KEY,
  TRPC_ERROR_CODE_NUMBER,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from "@trpc/server";

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
/** Final states: a run in one never changes again. */
export type TerminalStatus = "succeeded" | "failed" | "cancelled";

/** A run as the API returns it (times are ISO strings). */
export interface Run {
  id: string;
  status: RunStatus;
  /** The plan it executes, e.g. "canonical" (the default). */
  plan: string;
  /** Its input as the plan validated it; null for the canonical plan, whose input is appPath and stepDelayMs. */
  input: Record<string, unknown> | null;
  /** What the plan computed from its nodes' results; null until the run succeeded. */
  output: Record<string, unknown> | null;
  /** Which execution of the run this is: 1, one more each time it was resumed. */
  attempt: number;
  appPath: string;
  stepDelayMs: number;
  /** Seq of its last event so far. */
  lastSeq: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Who wrote an event: run.start (`api`), the executor (`worker`) or a cancel of a queued run (`outbox`). */
export type EventSource = "api" | "worker" | "outbox";

/** What every event has. `seq` starts at 1 and is contiguous per run; `ts` is epoch milliseconds. */
export interface RunEventBase {
  runId: string;
  seq: number;
  ts: number;
  /** The event format's version: fields are only ever added within a version. */
  v: 1;
  source: EventSource;
}

/**
 * The fields some event types carry, absent on the others: declared on every member (as
 * `undefined` where absent) so `event.name` reads without narrowing first.
 */
interface NoEventFields {
  name?: undefined;
  fn?: undefined;
  status?: undefined;
  reason?: undefined;
  data?: undefined;
  attempt?: undefined;
}

/** Seq 1, written by run.start. */
export interface RunStartedEvent extends RunEventBase, NoEventFields {
  type: "RunStarted";
}

/** A node begins; `attempt` (2, 3, …) when it is retried after throwing. */
export interface NodeStartedEvent extends RunEventBase, Omit<NoEventFields, "name" | "attempt"> {
  type: "NodeStarted";
  name: string;
  attempt?: number;
}

/** A node's trace, `ctx.trace(fn, data)`: e.g. `ensureDevice.check`, `screen.discovered`. */
export interface DebugTraceEvent extends RunEventBase, Omit<NoEventFields, "fn" | "data"> {
  type: "DebugTrace";
  fn: string;
  data?: Record<string, unknown>;
}

/** A node returned: `data` is its result, when it had one. */
export interface NodeFinishedEvent extends RunEventBase, Omit<NoEventFields, "name" | "data"> {
  type: "NodeFinished";
  name: string;
  data?: Record<string, unknown>;
}

/** Why another instance took a run over: its executor died or stalled (`executor_lost`), or stopped (`shutdown`). */
export type ResumeReason = "executor_lost" | "shutdown";

/** Another instance took the run over and goes on from the node that had not finished. */
export interface RunResumedEvent extends RunEventBase, Omit<NoEventFields, "attempt" | "reason"> {
  type: "RunResumed";
  attempt: number;
  reason: ResumeReason;
}

/**
 * The last event of every run. `reason` when it did not succeed: `user_cancelled`,
 * `timeout:<node>`, `executor_lost`, `error:<message>`, `plan_changed: …`.
 */
export interface RunFinishedEvent extends RunEventBase, Omit<NoEventFields, "status" | "reason"> {
  type: "RunFinished";
  status: TerminalStatus;
  reason?: string;
}

/**
 * One entry of a run's timeline, told apart by `type`. A server newer than this package may send
 * types it does not list: a program should ignore those (a `default` branch), not fail.
 */
export type RunEvent =
  RunStartedEvent | NodeStartedEvent | DebugTraceEvent | NodeFinishedEvent | RunResumedEvent | RunFinishedEvent;

export type RunEventType = RunEvent["type"];

/** run.start of the default plan, `canonical`: its input is appPath and stepDelayMs. */
export interface CanonicalRunStart {
  plan?: "canonical" | undefined;
  /** 1–512 characters, no control characters; default "/". */
  appPath?: string | undefined;
  /** Milliseconds each step waits, 0–60000; default 500. */
  stepDelayMs?: number | undefined;
  input?: undefined;
  /** A retry with the same key returns the same run (1–128 of A-Z a-z 0-9 _ . : -). */
  requestKey?: string | undefined;
}

// Plan inputs are type aliases, not interfaces: a `Record<string, unknown>` input then converts to
// RunStartInput with a plain cast, the way plans unknown to this package are started.

/** The `word-count` plan's input. */
export type WordCountInput = {
  /** At most 10,000 characters. */
  text: string;
};

/** The `screens` plan's input: it crawls a web app from `startUrl` (an origin the server allows). */
export type ScreensInput = {
  startUrl: string;
  /** 1–200, default 25. */
  maxScreens?: number | undefined;
  /** 0–5, default 3. */
  maxDepth?: number | undefined;
  /** 0–5000, default 0. */
  pageDelayMs?: number | undefined;
};

interface PlanRunStart<Plan extends string, Input> {
  plan: Plan;
  input: Input;
  appPath?: undefined;
  stepDelayMs?: undefined;
  requestKey?: string | undefined;
}

/**
 * run.start's input: one shape per plan, told apart by `plan`. A plan a server registers beyond
 * these is started with a cast, `{ plan, input } as RunStartInput`, and checked by the server.
 */
export type RunStartInput =
  CanonicalRunStart | PlanRunStart<"word-count", WordCountInput> | PlanRunStart<"screens", ScreensInput>;

export interface RunIdInput {
  runId: string;
}

export interface RunListInput {
  /** 1–100, default 20. */
  limit?: number | undefined;
  /** The previous page's `nextCursor`. */
  cursor?: string | null | undefined;
  status?: RunStatus | undefined;
  plan?: string | undefined;
}

/** A page of the caller's runs, newest first. */
export interface RunList {
  items: Run[];
  nextCursor: string | null;
}

/** At most one of `afterSeq` and `beforeSeq`; neither: the run's last `limit` events. */
export interface EventsPageInput {
  runId: string;
  afterSeq?: number | undefined;
  beforeSeq?: number | undefined;
  /** 1–1000, default 200. */
  limit?: number | undefined;
  /** Only events of these types (1–20 names). */
  types?: string[] | undefined;
  /** Only events whose type, name, fn, status, reason or data contain this (case-insensitive, ≤ 200). */
  text?: string | undefined;
}

/** run.createViewToken: a token that reads only this run; ttlSeconds 60–86400, default 900. */
export interface ViewTokenInput {
  runId: string;
  ttlSeconds?: number | undefined;
}

/** A view token (`lrv_…`) for a browser on another origin, and when it expires (ISO). */
export interface ViewToken {
  token: string;
  expiresAt: string;
}

export interface EventsPage<Event = RunEvent> {
  /** Ascending seq. */
  events: Event[];
  /** More events after the page (with `afterSeq`), or before it (otherwise). */
  hasMore: boolean;
  /**
   * Filtered pages only: the seq the scan reached (a request examines at most 5,000 events), where
   * the next page continues even when this one matched nothing.
   */
  scannedTo?: number | undefined;
}

export interface RunEventsInput {
  runId: string;
  /** The last seq the caller already has (exclusive): `fromSeq: 5` yields 6, 7, … */
  fromSeq?: number | undefined;
  /** Sent by the tRPC client when it resumes after a drop; wins over fromSeq. */
  lastEventId?: string | null | undefined;
}

/** A plan as run.plans describes it. */
export interface PlanInfo {
  name: string;
  title: string;
  description: string;
  steps: string[];
  /** JSON Schema of the plan's input, as a caller writes it. */
  input: Record<string, unknown>;
}

/** One step of a run, as run.steps summarises it. Times are epoch milliseconds. */
export interface StepSummary {
  name: string;
  status: "pending" | "running" | "done" | "stopped" | "skipped";
  attempt: number;
  startedAt: number | null;
  finishedAt: number | null;
  eventCount: number;
}

/** run.activity: the caller's runs' events live; `resync`: some may have been missed, refetch. */
export type ActivityItem<Event = RunEvent> = { kind: "event"; event: Event } | { kind: "resync" };

/** What run.events yields: the event, and its seq as the id tRPC resumes from. */
export interface TrackedRunEvent<Event = RunEvent> {
  id: string;
  data: Event;
}

/** `error.data` of a failed call (TRPCClientError). */
export interface RunsErrorData {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  path?: string;
  /** BAD_REQUEST: the validator's issues (`{ path, message, … }`). */
  issues: unknown[] | null;
  /** TOO_MANY_REQUESTS: when to try again. */
  retryAfterMs: number | null;
  /** INTERNAL_SERVER_ERROR: the reference the server's log carries. */
  errorId: string | null;
}

export interface RunsErrorShape {
  message: string;
  code: TRPC_ERROR_CODE_NUMBER;
  data: RunsErrorData;
}

interface Def<Input, Output> {
  input: Input;
  output: Output;
  meta: object;
  errorShape: RunsErrorShape;
}
type Query<Input, Output> = TRPCQueryProcedure<Def<Input, Output>>;
type Mutation<Input, Output> = TRPCMutationProcedure<Def<Input, Output>>;
type Subscription<Input, Yield> = TRPCSubscriptionProcedure<Def<Input, AsyncIterable<Yield, void, unknown>>>;

/**
 * The `run` router's procedures, by the event type they carry (the repository's type test
 * instantiates it with the server's own event type to compare the two). A type, not an
 * interface: a router's record must be indexable.
 */
export type RunProcedures<Event = RunEvent> = {
  plans: Query<void, PlanInfo[]>;
  start: Mutation<RunStartInput | undefined, Run>;
  rerun: Mutation<RunIdInput, Run>;
  cancel: Mutation<RunIdInput, Run>;
  get: Query<RunIdInput, Run>;
  list: Query<RunListInput | undefined, RunList>;
  steps: Query<RunIdInput, StepSummary[]>;
  eventsPage: Query<EventsPageInput, EventsPage<Event>>;
  events: Subscription<RunEventsInput, TrackedRunEvent<Event>>;
  activity: Subscription<void, ActivityItem<Event>>;
  createViewToken: Mutation<ViewTokenInput, ViewToken>;
  revokeViewToken: Mutation<{ token: string }, { revokedAt: string }>;
};

export type RunsRouter<Event = RunEvent> = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: RunsErrorShape; transformer: false },
  { run: RunProcedures<Event> }
>;

/** The server's router type, for `createTRPCClient<AppRouter>` and TanStack Query integrations. */
export type AppRouter = RunsRouter;
