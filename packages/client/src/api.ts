// Facts of the server's API the client needs, copied from the server's src/shared/api.ts (the
// package imports nothing of the repository); the repository's type test keeps them equal.

/** Where tRPC is served: HTTP (queries, mutations) and the WebSocket (subscriptions), one port. */
export const TRPC_PATH = "/api/trpc";

/** Calls the client puts in one HTTP batch; the server accepts at least this many. */
export const HTTP_BATCH_MAX_ITEMS = 20;
