import { tracked, TRPCError } from "@trpc/server";
import { z } from "zod";
import { streamActivity } from "../runs/activity";
import { cancelRun } from "../runs/cancel";
import { decodeListCursor, encodeListCursor } from "../runs/list-cursor";
import { findRun, listRuns } from "../runs/queries";
import { startRun } from "../runs/start";
import { streamRunEvents } from "../runs/stream";
import { withinConnectionLimits } from "../subscription-limits";
import { createTRPCRouter, mapDatabaseOutage, publicProcedure } from "../trpc";

const runIdInput = z.object({ runId: z.guid() });

export const DEFAULT_APP_PATH = "/";
export const DEFAULT_STEP_DELAY_MS = 500;

export const runRouter = createTRPCRouter({
  start: publicProcedure
    .input(
      z
        .object({
          appPath: z.string().min(1).max(512).optional(),
          stepDelayMs: z.number().int().min(0).max(60_000).optional(),
        })
        .optional(),
    )
    .mutation(async ({ ctx, input }) => {
      const { database, onAppended, executor } = ctx.services;
      const run = await startRun(database.db, {
        appPath: input?.appPath ?? DEFAULT_APP_PATH,
        stepDelayMs: input?.stepDelayMs ?? DEFAULT_STEP_DELAY_MS,
      });
      onAppended();
      executor.wake();
      return run;
    }),

  cancel: publicProcedure.input(runIdInput).mutation(({ ctx, input }) => {
    const { database, fanout, onAppended, executor, cancelSettleTimeoutMs } = ctx.services;
    return cancelRun(
      {
        db: database.db,
        fanout,
        onAppended,
        interruptLocal: (runId) => executor.interrupt(runId, "user_cancelled"),
        settleTimeoutMs: cancelSettleTimeoutMs,
      },
      input.runId,
    );
  }),

  get: publicProcedure.input(runIdInput).query(async ({ ctx, input }) => {
    const run = await findRun(ctx.services.database.db, input.runId);
    if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `run ${input.runId} not found` });
    return run;
  }),

  list: publicProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(100).default(20),
          cursor: z.string().max(200).nullish(),
        })
        .default({ limit: 20 }),
    )
    .query(async ({ ctx, input }) => {
      const after = input.cursor ? decodeListCursor(input.cursor) : null;
      if (input.cursor && !after) throw new TRPCError({ code: "BAD_REQUEST", message: "invalid cursor" });
      const page = await listRuns(ctx.services.database.db, input.limit, after);
      return { items: page.items, nextCursor: page.next ? encodeListCursor(page.next) : null };
    }),

  events: publicProcedure
    .input(
      z.object({
        runId: z.guid(),
        fromSeq: z.number().int().min(0).optional(),
        // Sent by tRPC clients on reconnect: the id of the last tracked event received (its seq).
        lastEventId: z.string().regex(/^\d{1,9}$/, "must be the seq of a received event").nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const afterSeq = input.lastEventId ? Number(input.lastEventId) : (input.fromSeq ?? 0);
      const { database, fanout } = ctx.services;
      const events = streamRunEvents({ db: database.db, fanout }, input.runId, afterSeq, signal);
      for await (const event of withinConnectionLimits(ctx, mapDatabaseOutage(events))) {
        yield tracked(String(event.seq), event);
      }
    }),

  /** Every run's events as they are published, for live run lists; `resync` asks for a refetch. */
  activity: publicProcedure.subscription(async function* ({ ctx, signal }) {
    yield* withinConnectionLimits(ctx, streamActivity(ctx.services.fanout, signal));
  }),
});
