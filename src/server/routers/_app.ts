import { createTRPCRouter } from "../trpc/init";
import { runRouter } from "./run";

export const appRouter = createTRPCRouter({ run: runRouter });

export type AppRouter = typeof appRouter;
