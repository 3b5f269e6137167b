import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "./types";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();
