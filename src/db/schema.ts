import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { RUN_EVENT_TYPES, RUN_STATUSES, TERMINAL_STATUSES } from "../shared/run-status";

// Millisecond precision so a JS Date round-trips exactly (list cursors compare on it).
const timestampMs = (name: string) => timestamp(name, { precision: 3, withTimezone: true });

export const runs = pgTable(
  "runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // Who may see and cancel the run: an anonymous browser session ("anon:<uuid>") or a token's owner.
    ownerId: text("owner_id").notNull(),
    // The client address an anonymous owner started the run from (null for token owners): anonymous
    // owners cost nothing to create, so their start limits count per address across all of them.
    createdByAddress: text("created_by_address"),
    // run.start's requestKey: a retried start with the same key returns this run instead of a new
    // one; the fingerprint (a hash of the start's input) tells a retry from a different request.
    requestKey: text("request_key"),
    requestFingerprint: text("request_fingerprint"),
    status: text("status", { enum: RUN_STATUSES }).notNull().default("queued"),
    // The plan the run executes (src/plans), its validated input (null for the canonical plan,
    // whose input is app_path and step_delay_ms) and, once it succeeded, the output it computed.
    plan: text("plan").notNull().default("canonical"),
    input: jsonb("input").$type<Record<string, unknown>>(),
    output: jsonb("output").$type<Record<string, unknown>>(),
    // Which execution of the run this is: 1, then one more each time it is resumed.
    attempt: integer("attempt").notNull().default(1),
    // Executions lost to a crashed instance (an expired lease); a graceful hand-back is not one.
    // At MAX_RUN_ATTEMPTS the run is failed instead of resumed.
    executorLosses: integer("executor_losses").notNull().default(0),
    appPath: text("app_path").notNull(),
    stepDelayMs: integer("step_delay_ms").notNull(),
    // Highest seq appended so far; the append transaction increments it under the row lock.
    lastSeq: integer("last_seq").notNull().default(0),
    createdAt: timestampMs("created_at").notNull().defaultNow(),
    startedAt: timestampMs("started_at"),
    finishedAt: timestampMs("finished_at"),
    cancelRequestedAt: timestampMs("cancel_requested_at"),
    // The instance executing the run holds it until lease_expires_at and renews it by heartbeat.
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: timestampMs("lease_expires_at"),
  },
  (t) => [
    index("runs_owner_created_at_id_idx").on(t.ownerId, t.createdAt.desc(), t.id.desc()),
    index("runs_owner_active_idx")
      .on(t.ownerId)
      .where(sql`${t.status} in ('queued', 'running')`),
    index("runs_address_created_at_idx")
      .on(t.createdByAddress, t.createdAt)
      .where(sql`${t.createdByAddress} is not null`),
    index("runs_address_active_idx")
      .on(t.createdByAddress)
      .where(sql`${t.createdByAddress} is not null and ${t.status} in ('queued', 'running')`),
    uniqueIndex("runs_owner_request_key_key")
      .on(t.ownerId, t.requestKey)
      .where(sql`${t.requestKey} is not null`),
    // Retention deletes finished runs oldest first.
    index("runs_finished_at_idx")
      .on(t.finishedAt)
      .where(sql`${t.finishedAt} is not null`),
    index("runs_queued_idx")
      .on(t.createdAt)
      .where(sql`${t.status} = 'queued'`),
    index("runs_running_lease_idx")
      .on(t.leaseExpiresAt)
      .where(sql`${t.status} = 'running'`),
  ],
);

export const runEvents = pgTable(
  "run_events",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    ts: bigint("ts", { mode: "number" }).notNull(),
    type: text("type", { enum: RUN_EVENT_TYPES }).notNull(),
    v: smallint("v").notNull().default(1),
    source: text("source", { enum: ["api", "worker", "outbox"] }).notNull(),
    name: text("name"),
    fn: text("fn"),
    status: text("status", { enum: TERMINAL_STATUSES }),
    reason: text("reason"),
    // A node's result (NodeFinished) or a trace's details (DebugTrace): a size-capped JSON object.
    data: jsonb("data").$type<Record<string, unknown>>(),
    // NodeStarted of a retried node (2, 3, …); RunResumed's execution attempt.
    attempt: integer("attempt"),
  },
  (t) => [
    primaryKey({ name: "run_events_run_id_seq_pk", columns: [t.runId, t.seq] }),
    // At most one RunFinished per run; the append-guard trigger refuses anything after it.
    uniqueIndex("run_events_one_finish_per_run")
      .on(t.runId)
      .where(sql`${t.type} = 'RunFinished'`),
  ],
);

export const runOutbox = pgTable(
  "run_outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id").notNull(),
    seq: integer("seq").notNull(),
    createdAt: timestampMs("created_at").notNull().defaultNow(),
    publishedAt: timestampMs("published_at"),
  },
  (t) => [
    index("run_outbox_unpublished_idx")
      .on(t.id)
      .where(sql`${t.publishedAt} is null`),
    // Each outbox row points at exactly one stored event.
    uniqueIndex("run_outbox_run_id_seq_key").on(t.runId, t.seq),
    foreignKey({
      name: "run_outbox_event_fk",
      columns: [t.runId, t.seq],
      foreignColumns: [runEvents.runId, runEvents.seq],
    }).onDelete("cascade"),
  ],
);

/** API tokens for programs; only a SHA-256 of the secret is stored. */
export const apiTokens = pgTable("api_tokens", {
  id: uuid("id").primaryKey().defaultRandom(),
  ownerId: text("owner_id").notNull(),
  label: text("label").notNull().default(""),
  secretHash: text("secret_hash").notNull().unique(),
  createdAt: timestampMs("created_at").notNull().defaultNow(),
  revokedAt: timestampMs("revoked_at"),
});

/**
 * View tokens: short-lived, read-only access to one run for a browser on another origin. Only a
 * SHA-256 of the token is stored; the run's owner is the owner of every call made with it.
 */
export const viewTokens = pgTable(
  "view_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    secretHash: text("secret_hash").notNull().unique(),
    createdAt: timestampMs("created_at").notNull().defaultNow(),
    expiresAt: timestampMs("expires_at").notNull(),
    revokedAt: timestampMs("revoked_at"),
  },
  // Deleting a run (retention) deletes its tokens: found by run, not by a scan.
  (t) => [index("view_tokens_run_id_idx").on(t.runId)],
);

/** Server-wide settings shared by every instance, e.g. the session signing secret. */
export const serverSettings = pgTable("server_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export type RunRow = typeof runs.$inferSelect;
