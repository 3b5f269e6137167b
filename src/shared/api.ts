// Facts of the public API that the pages, the CLI, the client and the server all need. Pages may
// import this folder at runtime: it imports nothing.

/** Where tRPC is served: HTTP (queries, mutations) and the WebSocket (subscriptions), one port. */
export const TRPC_PATH = "/api/trpc";

/** `run.start` input: what a run does when the caller does not say. */
export const RUN_START_DEFAULTS = { appPath: "/", stepDelayMs: 500 } as const;
/** `run.start` input bounds. */
export const RUN_START_LIMITS = { appPathMaxLength: 512, stepDelayMsMax: 60_000 } as const;
/** What an `appPath` may not contain: control characters (C0, DEL, C1) and unpaired surrogates. */
export const APP_PATH_REFUSED_CHARACTERS = /[\p{Cc}\p{Cs}]/u;
/** Highest seq an event can have (a Postgres integer): `fromSeq` and `lastEventId` past it are refused. */
export const RUN_SEQ_MAX = 2_147_483_647;
/** `run.list` page size: default and bounds. */
export const RUN_LIST_LIMITS = { defaultLimit: 20, maxLimit: 100 } as const;

/** `run.start`'s optional requestKey: 1–128 of these characters, unique per owner. */
export const REQUEST_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Calls the bundled clients (pages, CLI, typed client) put in one HTTP batch; the server accepts at least this many. */
export const HTTP_BATCH_MAX_ITEMS = 20;

/** run.eventsPage: events per page. */
export const EVENTS_PAGE_LIMITS = { defaultLimit: 200, maxLimit: 1000 } as const;

/** `run.createViewToken`'s ttlSeconds: a view token lives from a minute to a day, a quarter of an hour by default. */
export const VIEW_TOKEN_TTL_SECONDS = { min: 60, max: 86_400, default: 900 } as const;
