// The `run` router: every procedure's input schema and a call to the plain function that does the
// work. One file so the public API reads in one place (README's API table follows it).
import { tracked } from "@trpc/server";
import { z } from "zod";
import {
  APP_PATH_REFUSED_CHARACTERS,
  EVENTS_PAGE_LIMITS,
  REQUEST_KEY_PATTERN,
  RUN_LIST_LIMITS,
  RUN_SEQ_MAX,
  RUN_START_LIMITS,
  VIEW_TOKEN_TTL_SECONDS,
} from "../../shared/api";
import { RUN_STATUSES } from "../../shared/run-status";
import { isAnonymousOwner } from "../auth/session-cookie";
import { mintViewToken, VIEW_TOKEN_PATTERN } from "../auth/view-tokens";
import { streamActivity } from "../delivery/activity";
import { backfillWriter, type BackfillWriter } from "../delivery/backfill-frames";
import { rawInputOf, socketDelivery, subscriptionAddress } from "../delivery/socket-frames";
import { streamRunEvents } from "../delivery/stream";
import { InvalidRequestError, RunNotFoundError, ViewTokenNotFoundError } from "../errors";
import { cancelRun } from "../runs/cancel";
import { EVENTS_FILTER_LIMITS, eventsPage } from "../runs/events-page";
import { summariseSteps } from "../runs/step-summary";
import { describePlans, resolveStart, type StartInput } from "../runs/plans";
import { rerun } from "../runs/rerun";
import { decodeListCursor, encodeListCursor } from "../runs/list-cursor";
import { listRuns, requireOwnedRun } from "../runs/queries";
import { startRun } from "../runs/start";
import { guardedSubscription } from "../trpc/subscription-guard";
import { credentialReaches, type Credential } from "../auth/credentials";
import type { RunEvent } from "../events/types";
import type { Context } from "../trpc/context";
import { createTRPCRouter, ownerProcedure, runReaderProcedure } from "../trpc/init";

const runIdInput = z.object({ runId: z.guid() });

const startFields = z
  .object({
    appPath: z
      .string()
      .min(1)
      .max(RUN_START_LIMITS.appPathMaxLength)
      .refine((path) => !APP_PATH_REFUSED_CHARACTERS.test(path), "must not contain control characters")
      .optional(),
    stepDelayMs: z.number().int().min(0).max(RUN_START_LIMITS.stepDelayMsMax).optional(),
    // Which plan to run (run.plans lists them) and its input, validated by the plan's schema.
    plan: z.string().min(1).max(100).optional(),
    input: z.record(z.string(), z.unknown()).optional(),
    // A retry with the same key returns the same run instead of starting another.
    requestKey: z.string().regex(REQUEST_KEY_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 _ . : -").optional(),
  })
  .optional();

/**
 * run.start parses with `startFields` (any plan name; resolveStart then checks the input against
 * the plan the server has, answering BAD_REQUEST with the issues), while the typed client sees
 * StartInput: one shape per known plan, so a wrong input for a known plan does not compile.
 */
const startInput = startFields as unknown as z.ZodType<z.output<typeof startFields>, StartInput | undefined>;
// Every input the typed client accepts gets past the parser: StartInput narrows startFields, never widens it.
type StartInputNarrowsFields = StartInput extends z.input<typeof startFields> ? true : never;
const startInputNarrowsFields: StartInputNarrowsFields = true;
void startInputNarrowsFields;

// Thin procedures: validate, then call the run service with the caller's owner id.
export const runRouter = createTRPCRouter({
  start: ownerProcedure.input(startInput).mutation(async ({ ctx, input }) => {
    const { eventLog, executor, plans, runLimits, runOwners } = ctx.services;
    const run = await startRun(
      eventLog,
      {
        ownerId: ctx.ownerId,
        ...resolveStart(plans, input ?? {}),
        createdByAddress: isAnonymousOwner(ctx.ownerId) ? ctx.clientAddress : null,
        requestKey: input?.requestKey,
      },
      runLimits,
    );
    executor.wake(); // this instance may claim it before the NOTIFY comes back
    runOwners.remember(run.id, ctx.ownerId);
    return run;
  }),

  plans: ownerProcedure.query(({ ctx }) => describePlans(ctx.services.plans)),

  rerun: ownerProcedure.input(runIdInput).mutation(async ({ ctx, input }) => {
    const { eventLog, executor, runLimits, runOwners } = ctx.services;
    const starter = {
      ownerId: ctx.ownerId,
      createdByAddress: isAnonymousOwner(ctx.ownerId) ? ctx.clientAddress : null,
    };
    const run = await rerun(eventLog, starter, input.runId, runLimits);
    executor.wake();
    runOwners.remember(run.id, ctx.ownerId);
    return run;
  }),

  cancel: ownerProcedure.input(runIdInput).mutation(async ({ ctx, input }) => {
    const { database, eventLog, fanout, executor, cancelSettleTimeoutMs } = ctx.services;
    const run = await requireOwnedRun(database.db, input.runId, ctx.ownerId);
    return cancelRun(
      {
        eventLog,
        fanout,
        interruptLocal: (runId) => executor.interrupt(runId, "user_cancelled"),
        settleTimeoutMs: cancelSettleTimeoutMs,
      },
      run,
    );
  }),

  get: runReaderProcedure.input(runIdInput).query(({ ctx, input }) => ctx.readableRun(input.runId)),

  list: ownerProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(RUN_LIST_LIMITS.maxLimit).default(RUN_LIST_LIMITS.defaultLimit),
          cursor: z.string().max(200).nullish(),
          status: z.enum(RUN_STATUSES).optional(),
          plan: z.string().min(1).max(100).optional(),
        })
        .default({ limit: RUN_LIST_LIMITS.defaultLimit }),
    )
    .query(async ({ ctx, input }) => {
      const after = input.cursor ? decodeListCursor(input.cursor) : null;
      if (input.cursor && !after) throw new InvalidRequestError("invalid cursor");
      const filters = { status: input.status, plan: input.plan };
      const page = await listRuns(ctx.services.database.db, ctx.ownerId, input.limit, after, filters);
      return { items: page.items, nextCursor: page.next ? encodeListCursor(page.next) : null };
    }),

  /** Each step's status, attempts, times and event count, without the events. */
  steps: runReaderProcedure.input(runIdInput).query(async ({ ctx, input }) => {
    const { database, plans } = ctx.services;
    return summariseSteps(database.db, plans, await ctx.readableRun(input.runId));
  }),

  eventsPage: runReaderProcedure
    .input(
      z
        .object({
          runId: z.guid(),
          afterSeq: z.number().int().min(0).max(RUN_SEQ_MAX).optional(),
          beforeSeq: z.number().int().min(1).max(RUN_SEQ_MAX).optional(),
          limit: z.number().int().min(1).max(EVENTS_PAGE_LIMITS.maxLimit).default(EVENTS_PAGE_LIMITS.defaultLimit),
          // Optional filter: events of any of these types, with this text in them (scanned a bounded stretch per page).
          types: z
            .array(z.string().min(1).max(EVENTS_FILTER_LIMITS.maxTypeLength))
            .min(1)
            .max(EVENTS_FILTER_LIMITS.maxTypes)
            .optional(),
          text: z.string().min(1).max(EVENTS_FILTER_LIMITS.maxTextLength).optional(),
        })
        .refine((page) => page.afterSeq === undefined || page.beforeSeq === undefined, {
          message: "give afterSeq or beforeSeq, not both",
          path: ["beforeSeq"],
        }),
    )
    .query(async ({ ctx, input }) => {
      return eventsPage(ctx.services.database.db, await ctx.readableRun(input.runId), input, ctx.rawJson);
    }),

  events: runReaderProcedure
    .input(
      z.object({
        runId: z.guid(),
        fromSeq: z.number().int().min(0).max(RUN_SEQ_MAX).optional(),
        // Sent by tRPC clients on reconnect: the id of the last tracked event received (its seq).
        lastEventId: z
          .string()
          .regex(/^\d{1,10}$/, "must be the seq of a received event")
          .refine((id) => Number(id) <= RUN_SEQ_MAX, "must be the seq of a received event")
          .nullish(),
      }),
    )
    .subscription(async (procedure) => {
      const { ctx, input, signal } = procedure;
      // Live events of a caught-up subscriber are written to its socket by the fan-out, encoded once;
      // the backfill is written to it a page at a time, as fast as the socket drains.
      const socket = ctx.connection?.socket;
      const deliver = await socketDelivery(rawInputOf(procedure), socket);
      const address = socket ? await subscriptionAddress(rawInputOf(procedure)) : null;
      const backfill =
        address && socket ? backfillWriter(address, socket, ctx.services.limits.socketBufferBytes / 2) : null;
      return runEvents(ctx, input, signal, deliver, backfill);
    }),

  /** The caller's runs' events as they are published, for live run lists; `resync` asks for a refetch. */
  activity: ownerProcedure.subscription(async function* ({ ctx, signal }) {
    const { fanout, runOwners } = ctx.services;
    yield* guardedSubscription(ctx, signal, (signal) => streamActivity(fanout, runOwners, ctx.ownerId, signal));
  }),

  /** A short-lived token that reads this one run (get, events, eventsPage, steps), for a browser on another origin. */
  createViewToken: ownerProcedure
    .input(
      z.object({
        runId: z.guid(),
        ttlSeconds: z
          .number()
          .int()
          .min(VIEW_TOKEN_TTL_SECONDS.min)
          .max(VIEW_TOKEN_TTL_SECONDS.max)
          .default(VIEW_TOKEN_TTL_SECONDS.default),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { db } = ctx.services.database;
      const run = await requireOwnedRun(db, input.runId, ctx.ownerId);
      const minted = await mintViewToken(db, run.id, new Date(Date.now() + input.ttlSeconds * 1000));
      return { token: minted.token, expiresAt: minted.expiresAt.toISOString() };
    }),

  /** Ends a view token of one of the caller's runs at once; revoking it again answers the same. */
  revokeViewToken: ownerProcedure
    .input(z.object({ token: z.string().max(200).regex(VIEW_TOKEN_PATTERN, "must be a view token (lrv_…)") }))
    .mutation(async ({ ctx, input }) => {
      const revokedAt = await ctx.services.auth.credentials.viewTokens.revoke(ctx.ownerId, input.token);
      if (!revokedAt) throw new ViewTokenNotFoundError();
      return { revokedAt: revokedAt.toISOString() };
    }),
});

/**
 * run.events: the run's events after `afterSeq` (or `lastEventId`), while the credential holds.
 * Not a generator of its own: each layer is a generator that every idle subscriber keeps.
 */
function runEvents(
  ctx: Context & { credential: Credential; ownerId: string },
  input: { runId: string; fromSeq?: number; lastEventId?: string | null },
  signal: AbortSignal | undefined,
  deliver: ((event: RunEvent) => void) | null,
  backfill: BackfillWriter | null,
) {
  const afterSeq = input.lastEventId ? Number(input.lastEventId) : (input.fromSeq ?? 0);
  const { runOwners } = ctx.services;
  const deps = { db: ctx.services.database.db, fanout: ctx.services.fanout };
  // The same check as ctx.readableRun, with the owner looked up once per run for all its viewers.
  const authorize = (runId: string) =>
    credentialReaches(ctx.credential, runId)
      ? runOwners.requireOwner(runId, ctx.ownerId)
      : Promise.reject(new RunNotFoundError(runId));
  const options = { deliver, backfill, authorize, envelope: trackedEvent };
  return guardedSubscription(ctx, signal, (signal) => streamRunEvents(deps, input.runId, afterSeq, signal, options));
}

function trackedEvent(event: RunEvent) {
  return tracked(String(event.seq), event);
}
