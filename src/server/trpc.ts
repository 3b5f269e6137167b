import { initTRPC } from "@trpc/server";
import type { Context } from "./context";

/** Validation failures carry their issues so clients can show what was wrong with the input. */
function validationIssues(cause: unknown): unknown[] | null {
  if (cause && typeof cause === "object" && "issues" in cause && Array.isArray(cause.issues)) {
    return cause.issues as unknown[];
  }
  return null;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: { ...shape.data, issues: error.code === "BAD_REQUEST" ? validationIssues(error.cause) : null },
    };
  },
});

export const createTRPCRouter = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
