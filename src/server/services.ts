import { randomUUID } from "node:crypto";
import type { Database } from "../db/client";
import type { ServerSettings } from "../env";
import { CredentialWatch } from "./auth/credential-watch";
import { CredentialChecks } from "./auth/credentials";
import { AddressLimits } from "./address-limits";
import { loadSessionSecret } from "./auth/session-secret";
import { SessionCookies } from "./auth/session-cookie";
import { RunEventFanout } from "./delivery/fanout";
import { OutboxPoller } from "./delivery/outbox-poller";
import { RunOwners } from "./delivery/run-owners";
import { EventLog } from "./events/event-log";
import { RunExecutor } from "./executor/executor";
import type { Logger } from "./log";
import { PlanRegistry } from "../plans/registry";
import type { Plan } from "../plans/types";
import { Janitor } from "./janitor";
import type { OriginPolicy } from "./http/origin";
import { createMetrics } from "./metrics";
import type { Services } from "./trpc/context";

export interface ServiceOptions extends ServerSettings {
  database: Database;
  log: Logger;
  /** Plans beside the registered ones, replacing any of the same name (tests). */
  plans?: readonly Plan[];
}

export type InstanceServices = Services & {
  /** The lease owner id this instance writes on the runs it executes. */
  instanceId: string;
  metrics: ReturnType<typeof createMetrics>;
  janitor: Janitor;
  /** Limits and policies of the HTTP edge (http/): body and batch sizes, the metrics token. */
  http: ServerSettings["http"];
  /** This server's own origin and the other origins allowed to call the API. */
  origins: OriginPolicy;
};

/** Builds the long-lived parts of one instance, wired to each other; nothing is started yet. */
export async function createServices(options: ServiceOptions): Promise<InstanceServices> {
  const { database, log } = options;
  const instanceId = randomUUID();
  const plans = new PlanRegistry(options.plans, {
    fetchAllowed: options.crawlAllowedOrigins.map((origin) => `${origin}/`),
  });
  const outbox = new OutboxPoller({
    db: database.db,
    ...options.outbox,
    log,
    onPublished: (events) => metrics.eventsPublished(events.map((event) => event.ts)),
  });
  const fanout = new RunEventFanout({ inboxCapacity: options.inboxCapacity, log });
  const metrics = createMetrics({
    db: database.db,
    activeSubscriptions: () => fanout.subscriberCount,
    executorActiveRuns: () => executor.activeCount,
    executorConcurrency: options.executor.concurrency,
  });
  const eventLog = new EventLog(database.db, { outbox, metrics });
  const executor = new RunExecutor({
    database,
    eventLog,
    instanceId,
    ...options.executor,
    plans,
    log,
  });
  const { auth } = options;
  const credentials = new CredentialChecks(database.db, auth.revocationCacheMs);
  return {
    instanceId,
    database,
    eventLog,
    outbox,
    fanout,
    runOwners: new RunOwners(database.db),
    executor,
    plans,
    metrics,
    janitor: new Janitor(database.db, options.retention, metrics, log),
    http: options.http,
    origins: { publicOrigin: options.http.publicOrigin, allowedOrigins: options.auth.allowedOrigins },
    log,
    cancelSettleTimeoutMs: options.cancelSettleTimeoutMs,
    requestDeadlineMs: options.requestDeadlineMs,
    limits: options.connectionLimits,
    runLimits: {
      owner: options.ownerLimits,
      anonymousPerAddress: options.addressLimits.anonymousRuns,
      queuedRuns: options.queuedRunsLimit,
    },
    addressLimits: new AddressLimits(options.addressLimits),
    auth: {
      sessions: new SessionCookies(await loadSessionSecret(database.db, auth.sessionSecret), auth.sessionMaxAgeMs),
      credentials,
      credentialCheckMs: auth.credentialCheckMs,
      watch: new CredentialWatch(credentials, auth.credentialCheckMs),
      allowedOrigins: auth.allowedOrigins,
      secureCookies: auth.secureCookies,
    },
  };
}
