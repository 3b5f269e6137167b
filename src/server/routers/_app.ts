import { createTRPCRouter } from "../trpc";
import { runRouter } from "./run";

export const appRouter = createTRPCRouter({ run: runRouter });

export type AppRouter = typeof appRouter;
