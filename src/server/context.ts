import type { Database } from "../db/client";
import type { RunExecutor } from "./executor/executor";
import type { Logger } from "./log";
import type { RunEventFanout } from "./outbox/fanout";
import type { OutboxPoller } from "./outbox/poller";

/** The long-lived parts of one server instance, created once at start. */
export interface Services {
  database: Database;
  outbox: OutboxPoller;
  fanout: RunEventFanout;
  executor: RunExecutor;
  log: Logger;
  cancelSettleTimeoutMs: number;
}

export interface Context {
  services: Services;
}
