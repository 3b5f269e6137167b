// Every setting of the server in one validated schema, with its default, and the server options
// built from it: one piece on purpose (a reader looks up any setting here), hence its length.
import { z } from "zod";
import { HTTP_BATCH_MAX_ITEMS } from "./shared/api";

const intFromEnv = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const parsedUrl = (text: string): URL | null => {
  try {
    return new URL(text);
  } catch {
    return null;
  }
};

/** An http(s) origin as a browser sends it: scheme, host and optional port, nothing else. */
const isOrigin = (text: string): boolean => {
  const url = parsedUrl(text);
  return (
    url !== null &&
    /^https?:$/.test(url.protocol) &&
    !url.username &&
    !url.password &&
    url.pathname === "/" &&
    !url.search &&
    !url.hash &&
    !text.endsWith("/")
  );
};

/** A comma-separated list of full origins (scheme, host, port), normalised. */
const originList = () =>
  z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .refine(
      (origins) => origins.every(isOrigin),
      "must be origins such as https://app.example:8443 (scheme, host and port; no path)",
    )
    .transform((origins): readonly string[] => origins.map((origin) => new URL(origin).origin));

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: intFromEnv(0, 65535, 3000),
  /** Postgres connection string; when absent the server runs on embedded PGlite. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  PGLITE_DATA_DIR: z.string().min(1).default(".data/pglite"),
  DATABASE_POOL_MAX: intFromEnv(1, 200, 10),
  /** How often each instance checks its LISTEN connection with a self-addressed NOTIFY. */
  LISTENER_CHECK_MS: intFromEnv(100, 60_000, 2_000),
  EXECUTOR_CONCURRENCY: intFromEnv(1, 1000, 16),
  /** Runs of one owner (anonymous owners: of one address) an instance executes at once; unset, half of EXECUTOR_CONCURRENCY (rounded up). */
  EXECUTOR_SLOTS_PER_OWNER: z.coerce.number().int().min(1).max(1000).optional(),
  NODE_TIMEOUT_MS: intFromEnv(100, 3_600_000, 120_000),
  OUTBOX_POLL_MS: intFromEnv(10, 60_000, 1_000),
  OUTBOX_BATCH_SIZE: intFromEnv(1, 10_000, 500),
  EXECUTOR_POLL_MS: intFromEnv(10, 60_000, 1_000),
  LEASE_MS: intFromEnv(1_000, 600_000, 15_000),
  HEARTBEAT_MS: intFromEnv(100, 300_000, 5_000),
  SHUTDOWN_GRACE_MS: intFromEnv(0, 600_000, 10_000),
  MAX_RUN_ATTEMPTS: intFromEnv(1, 100, 3),
  /** Finished runs older than this many days are deleted with their events; 0 keeps them forever. */
  RUN_RETENTION_DAYS: intFromEnv(0, 36_500, 30),
  /** Published outbox rows are deleted this long after publication. */
  OUTBOX_RETENTION_MS: intFromEnv(0, 86_400_000, 60_000),
  /** How often each instance deletes what retention allows. */
  RETENTION_INTERVAL_MS: intFromEnv(100, 3_600_000, 10_000),
  /** A query or mutation not answered within this long (e.g. during a database outage) answers 503. */
  REQUEST_DEADLINE_MS: intFromEnv(500, 600_000, 5_000),
  /** Signs session cookies; required in production, else a secret generated once is kept in the database. */
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  SESSION_MAX_AGE_DAYS: intFromEnv(1, 3650, 30),
  /** Where browsers reach this server: its origin is the server's own, and the only Host it answers to. */
  PUBLIC_URL: z
    .string()
    .refine((url) => /^https?:$/.test(parsedUrl(url)?.protocol ?? ""), "must be an http:// or https:// URL")
    .transform((url) => new URL(url).origin)
    .optional(),
  /** Comma-separated browser origins, besides the server's own, allowed to call the API. */
  ALLOWED_ORIGINS: originList(),
  /** Comma-separated origins plans may fetch (the screens plan's crawl); unset, only the server's own /demo-app/. */
  CRAWL_ALLOWED_ORIGINS: originList(),
  SECURE_COOKIES: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  RUN_STARTS_PER_MINUTE: intFromEnv(1, 1_000_000, 120),
  ACTIVE_RUNS_PER_OWNER: intFromEnv(1, 1_000_000, 50),
  /** "true" behind a reverse proxy: the client's address is the last X-Forwarded-For entry. */
  TRUST_PROXY: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  NEW_SESSIONS_PER_MINUTE_PER_ADDRESS: intFromEnv(1, 1_000_000, 30),
  NEW_SESSIONS_BURST_PER_ADDRESS: intFromEnv(1, 1_000_000, 5),
  REQUESTS_IN_FLIGHT_PER_ADDRESS: intFromEnv(1, 1_000_000, 64),
  /** A refused HTTP request (429 for an address's limit) is answered this much later; 0 answers at once. */
  REFUSAL_DELAY_MS: intFromEnv(0, 60_000, 1_000),
  QUICK_REFUSALS_PER_MINUTE_PER_ADDRESS: intFromEnv(1, 1_000_000, 600),
  ANON_RUN_STARTS_PER_MINUTE_PER_ADDRESS: intFromEnv(1, 1_000_000, 60),
  ANON_ACTIVE_RUNS_PER_ADDRESS: intFromEnv(1, 1_000_000, 100),
  ANON_CALLS_PER_SECOND_PER_ADDRESS: intFromEnv(1, 1_000_000, 50),
  ANON_CALLS_BURST_PER_ADDRESS: intFromEnv(1, 1_000_000, 40),
  MAX_QUEUED_RUNS: intFromEnv(1, 100_000_000, 10_000),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: intFromEnv(1, 10_000, 100),
  WS_MAX_BUFFERED_BYTES: intFromEnv(65_536, 1_073_741_824, 4_194_304),
  WS_MAX_MESSAGE_BYTES: intFromEnv(1_024, 16_777_216, 65_536),
  WS_MAX_CALLS_IN_FLIGHT: intFromEnv(1, 10_000, 20),
  WS_MAX_BATCH_SIZE: intFromEnv(1, 10_000, 20),
  /** A WebSocket that sends nothing for this long is pinged; keep proxies' idle timeouts above it. */
  WS_PING_MS: intFromEnv(1_000, 3_600_000, 30_000),
  /** A pinged WebSocket that sends nothing for this long more is dropped (its client resumes). */
  WS_PONG_WAIT_MS: intFromEnv(1_000, 600_000, 10_000),
  /** Calls in one HTTP batch; more answer 400 before any runs. Not below what the bundled clients send. */
  HTTP_MAX_BATCH_SIZE: intFromEnv(HTTP_BATCH_MAX_ITEMS, 10_000, HTTP_BATCH_MAX_ITEMS),
  /** `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`; unset, /metrics answers 404. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Largest HTTP request body the API reads; a larger one answers 413. */
  HTTP_MAX_BODY_BYTES: intFromEnv(1_024, 104_857_600, 1_048_576),
  /** "false" serves only the API (/api/trpc): for headless instances that browsers never reach. */
  SERVE_PAGES: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof envSchema>;

/** Parses and validates the process environment; throws one readable message listing every problem. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty variable (`DATABASE_URL=`) means "not set", as it does for most tools.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${problems.join("\n")}`);
  }
  const problems: string[] = [];
  if (parsed.data.HEARTBEAT_MS >= parsed.data.LEASE_MS) problems.push("HEARTBEAT_MS: must be shorter than LEASE_MS");
  // The generated secret sits in plain text in the database: fine for development, not for production.
  if (parsed.data.NODE_ENV === "production" && !parsed.data.SESSION_SECRET) {
    problems.push("SESSION_SECRET: required when NODE_ENV=production (at least 32 characters)");
  }
  if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  return parsed.data;
}

/**
 * The server's settings from a validated environment: every default lives in the schema above or
 * here, and main.ts, the test servers and the benchmarks all start from this.
 */
export function serverOptionsFromEnv(env: Env) {
  return {
    host: env.HOST,
    port: env.PORT,
    /** Serve the Next.js pages too (dev: with HMR); null serves the API only. */
    pages: env.SERVE_PAGES ? { dev: env.NODE_ENV !== "production", dir: process.cwd() } : null,
    /** Origins plans may fetch; empty: the server's own demo app only. */
    crawlAllowedOrigins: env.CRAWL_ALLOWED_ORIGINS,
    executor: {
      concurrency: env.EXECUTOR_CONCURRENCY,
      slotsPerOwner: env.EXECUTOR_SLOTS_PER_OWNER ?? Math.ceil(env.EXECUTOR_CONCURRENCY / 2),
      pollMs: env.EXECUTOR_POLL_MS,
      leaseMs: env.LEASE_MS,
      heartbeatMs: env.HEARTBEAT_MS,
      nodeTimeoutMs: env.NODE_TIMEOUT_MS,
      maxRunAttempts: env.MAX_RUN_ATTEMPTS,
    },
    outbox: { pollMs: env.OUTBOX_POLL_MS, batchSize: env.OUTBOX_BATCH_SIZE, wakeOnAppend: true },
    retention: {
      intervalMs: env.RETENTION_INTERVAL_MS,
      outboxKeepMs: env.OUTBOX_RETENTION_MS,
      runRetentionDays: env.RUN_RETENTION_DAYS,
      batchSize: 500,
    },
    /** Live events a subscriber may fall behind by before it is switched to reading the table. */
    inboxCapacity: 10_000,
    /** How long run.cancel waits for a running run's executor to write RunFinished. */
    cancelSettleTimeoutMs: 2_000,
    requestDeadlineMs: env.REQUEST_DEADLINE_MS,
    connectionLimits: {
      subscriptionsPerConnection: env.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      socketBufferBytes: env.WS_MAX_BUFFERED_BYTES,
      messageBytes: env.WS_MAX_MESSAGE_BYTES,
      callsInFlightPerConnection: env.WS_MAX_CALLS_IN_FLIGHT,
      callsPerMessage: env.WS_MAX_BATCH_SIZE,
      pingMs: env.WS_PING_MS,
      pongWaitMs: env.WS_PONG_WAIT_MS,
    },
    http: {
      maxBatchSize: env.HTTP_MAX_BATCH_SIZE,
      maxBodyBytes: env.HTTP_MAX_BODY_BYTES,
      /** Scrapers of /metrics send it as a bearer token; unset, /metrics is off. */
      metricsToken: env.METRICS_TOKEN,
      /** PUBLIC_URL's origin; null: the server's origin is whatever Host a request names. */
      publicOrigin: env.PUBLIC_URL ?? null,
    },
    ownerLimits: { startsPerMinute: env.RUN_STARTS_PER_MINUTE, activeRunsPerOwner: env.ACTIVE_RUNS_PER_OWNER },
    addressLimits: {
      trustProxy: env.TRUST_PROXY,
      newSessionsPerMinute: env.NEW_SESSIONS_PER_MINUTE_PER_ADDRESS,
      newSessionsBurst: env.NEW_SESSIONS_BURST_PER_ADDRESS,
      requestsInFlight: env.REQUESTS_IN_FLIGHT_PER_ADDRESS,
      refusalDelayMs: env.REFUSAL_DELAY_MS,
      quickRefusalsPerMinute: env.QUICK_REFUSALS_PER_MINUTE_PER_ADDRESS,
      anonymousCallsPerSecond: env.ANON_CALLS_PER_SECOND_PER_ADDRESS,
      anonymousCallsBurst: env.ANON_CALLS_BURST_PER_ADDRESS,
      /** Anonymous owners' runs, counted per address across all of them (token owners are exempt). */
      anonymousRuns: {
        startsPerMinute: env.ANON_RUN_STARTS_PER_MINUTE_PER_ADDRESS,
        activeRuns: env.ANON_ACTIVE_RUNS_PER_ADDRESS,
      },
    },
    queuedRunsLimit: env.MAX_QUEUED_RUNS,
    auth: {
      /** Signs session cookies; when absent (not in production), a secret generated once and kept in the database. */
      sessionSecret: env.SESSION_SECRET,
      sessionMaxAgeMs: env.SESSION_MAX_AGE_DAYS * 24 * 60 * 60 * 1000,
      /**
       * Open WebSockets re-check their token's revocation through a cache of this age shared by the
       * instance, and each open subscription re-checks every credentialCheckMs: a revoked token or an
       * expired session stops calls within 2 s and subscriptions within 3 s.
       */
      revocationCacheMs: 2_000,
      credentialCheckMs: 1_000,
      allowedOrigins: env.ALLOWED_ORIGINS,
      secureCookies: env.SECURE_COOKIES,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  };
}

export type ServerSettings = ReturnType<typeof serverOptionsFromEnv>;
