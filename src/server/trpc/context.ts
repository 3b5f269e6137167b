import type { WebSocket } from "ws";
import type { Database } from "../../db/client";
import type { AddressLimits } from "../address-limits";
import type { Caller } from "../auth/owner";
import type { CredentialWatch } from "../auth/credential-watch";
import type { CredentialChecks } from "../auth/credentials";
import type { SessionCookies } from "../auth/session-cookie";
import type { RunEventFanout } from "../delivery/fanout";
import type { OutboxPoller } from "../delivery/outbox-poller";
import type { RunOwners } from "../delivery/run-owners";
import type { EventLog } from "../events/event-log";
import type { RunExecutor } from "../executor/executor";
import type { Logger } from "../log";
import type { RunLimits } from "../runs/limits";
import type { PlanRegistry } from "../../plans/registry";
import type { RawJsonSplicer } from "./raw-json";

export interface ConnectionLimits {
  /** Open subscriptions one WebSocket may hold; more are TOO_MANY_REQUESTS. */
  subscriptionsPerConnection: number;
  /** Bytes queued for a socket that does not read; past it the socket is dropped and the client resumes. */
  socketBufferBytes: number;
  /** Queries and mutations one WebSocket may have running at once; more are TOO_MANY_REQUESTS. */
  callsInFlightPerConnection: number;
  /** Queries and mutations one WebSocket message may batch; a larger batch is refused whole. */
  callsPerMessage: number;
  /** A WebSocket silent for this long is sent a keep-alive PING... */
  pingMs: number;
  /** ...and is dropped if it stays silent this long after it. */
  pongWaitMs: number;
}

/** The long-lived parts of one server instance, created once at start. */
export interface Services {
  database: Database;
  eventLog: EventLog;
  outbox: OutboxPoller;
  fanout: RunEventFanout;
  runOwners: RunOwners;
  executor: RunExecutor;
  /** The plans runs can execute, by name. */
  plans: PlanRegistry;
  log: Logger;
  cancelSettleTimeoutMs: number;
  /** A query or mutation not answered within this long answers SERVICE_UNAVAILABLE. */
  requestDeadlineMs: number;
  limits: ConnectionLimits;
  runLimits: RunLimits;
  addressLimits: AddressLimits;
  auth: AuthSettings;
}

export interface AuthSettings {
  sessions: SessionCookies;
  /** Re-checks the credentials of open WebSockets (token revocation, session expiry). */
  credentials: CredentialChecks;
  /** How often an open subscription re-checks its caller's credentials. */
  credentialCheckMs: number;
  /** Re-checks the credentials of open subscriptions, every `credentialCheckMs` and at their expiry. */
  watch: CredentialWatch;
  /** Browser origins besides the server's own that may call the API. */
  allowedOrigins: readonly string[];
  /** Mark the session cookie Secure (serve over HTTPS). */
  secureCookies: boolean;
}

/** Per-WebSocket state, shared by every subscription on that socket. */
export interface ConnectionState {
  socket: WebSocket;
  subscriptions: number;
  /** Queries and mutations on this socket not answered yet. */
  callsInFlight: number;
  /** Told when one of them is answered: the socket's held messages may go (http/call-gate.ts). */
  callSettled: (() => void) | null;
}

export interface Context {
  services: Services;
  caller: Caller;
  /** Where the request came from, as per-address limits count it (see http/client-address.ts). */
  clientAddress: string;
  /** Null for HTTP requests. */
  connection: ConnectionState | null;
  /**
   * An HTTP request's deadline (epoch ms), set when it arrived: the caller lookup and every call of
   * its batch answer by then. Null over a WebSocket, where each call gets the whole deadline.
   */
  answerBy: number | null;
  /**
   * An HTTP answer's splicer: a procedure may return text that is already JSON in its result (see
   * trpc/raw-json.ts). Null over a WebSocket and for calls made inside the server.
   */
  rawJson: RawJsonSplicer | null;
}
