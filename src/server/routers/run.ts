import { tracked, TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db } from "../../db/client";
import { streamActivity } from "../runs/activity";
import { cancelRun } from "../runs/cancel";
import { decodeListCursor, encodeListCursor } from "../runs/list-cursor";
import { findOwnedRun, listRuns } from "../runs/queries";
import { startRunWithinLimits } from "../runs/start-within-limits";
import { streamRunEvents } from "../runs/stream";
import type { Run } from "../runs/types";
import { withinConnectionLimits } from "../subscription-limits";
import { createTRPCRouter, mapDatabaseOutage, ownerProcedure } from "../trpc";

const runIdInput = z.object({ runId: z.guid() });

export const DEFAULT_APP_PATH = "/";
export const DEFAULT_STEP_DELAY_MS = 500;

/** Someone else's run answers exactly like a missing one, so ids cannot be probed. */
async function ownedRun(db: Db, runId: string, ownerId: string): Promise<Run> {
  const run = await findOwnedRun(db, runId, ownerId);
  if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `run ${runId} not found` });
  return run;
}

export const runRouter = createTRPCRouter({
  start: ownerProcedure
    .input(
      z
        .object({
          appPath: z.string().min(1).max(512).optional(),
          stepDelayMs: z.number().int().min(0).max(60_000).optional(),
        })
        .optional(),
    )
    .mutation(async ({ ctx, input }) => {
      const { database, onAppended, executor, ownerLimits } = ctx.services;
      const run = await startRunWithinLimits(
        database.db,
        {
          ownerId: ctx.ownerId,
          appPath: input?.appPath ?? DEFAULT_APP_PATH,
          stepDelayMs: input?.stepDelayMs ?? DEFAULT_STEP_DELAY_MS,
        },
        ownerLimits,
      );
      onAppended();
      executor.wake();
      return run;
    }),

  cancel: ownerProcedure.input(runIdInput).mutation(async ({ ctx, input }) => {
    const { database, fanout, onAppended, executor, cancelSettleTimeoutMs } = ctx.services;
    await ownedRun(database.db, input.runId, ctx.ownerId);
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

  get: ownerProcedure
    .input(runIdInput)
    .query(({ ctx, input }) => ownedRun(ctx.services.database.db, input.runId, ctx.ownerId)),

  list: ownerProcedure
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
      const page = await listRuns(ctx.services.database.db, ctx.ownerId, input.limit, after);
      return { items: page.items, nextCursor: page.next ? encodeListCursor(page.next) : null };
    }),

  events: ownerProcedure
    .input(
      z.object({
        runId: z.guid(),
        fromSeq: z.number().int().min(0).optional(),
        // Sent by tRPC clients on reconnect: the id of the last tracked event received (its seq).
        lastEventId: z
          .string()
          .regex(/^\d{1,9}$/, "must be the seq of a received event")
          .nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const afterSeq = input.lastEventId ? Number(input.lastEventId) : (input.fromSeq ?? 0);
      const { database, fanout } = ctx.services;
      const owned = async function* () {
        await ownedRun(database.db, input.runId, ctx.ownerId);
        yield* streamRunEvents({ db: database.db, fanout }, input.runId, afterSeq, signal);
      };
      for await (const event of withinConnectionLimits(ctx, mapDatabaseOutage(owned()))) {
        yield tracked(String(event.seq), event);
      }
    }),

  /** The caller's runs' events as they are published, for live run lists; `resync` asks for a refetch. */
  activity: ownerProcedure.subscription(async function* ({ ctx, signal }) {
    const { database, fanout } = ctx.services;
    yield* withinConnectionLimits(ctx, mapDatabaseOutage(streamActivity(database.db, fanout, ctx.ownerId, signal)));
  }),
});
