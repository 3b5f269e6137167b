import type { Admission, Refusal } from "../events/create-run";
import { LimitExceededError } from "../errors";

export interface OwnerLimits {
  /** Runs an owner may start per rolling minute. */
  startsPerMinute: number;
  /** Queued plus running runs an owner may have at once. */
  activeRunsPerOwner: number;
}

/** Limits on anonymous owners' runs, counted per client address across all of them. */
export interface AddressRunLimits {
  startsPerMinute: number;
  activeRuns: number;
}

export interface RunLimits {
  owner: OwnerLimits;
  anonymousPerAddress: AddressRunLimits;
  /** Queued runs across all owners: past it nobody can queue more until executors catch up. */
  queuedRuns: number;
}

// No known moment when an active run finishes or the queue drains: roughly one run's length.
const BUSY_RETRY_AFTER_MS = 5_000;

/**
 * What a start is admitted under: the owner's limits, the client address's when the owner is
 * anonymous, and the queue's. The database checks them in the statement that inserts the run
 * (createRun), under the owner's and the address's advisory locks, so count-then-insert is exact
 * across concurrent calls and instances. The global queue cap is a bound, not exact: concurrent
 * starts may pass it by a few.
 */
export function admissionOf(limits: RunLimits): Admission {
  return {
    ownerActive: limits.owner.activeRunsPerOwner,
    ownerPerMinute: limits.owner.startsPerMinute,
    addressActive: limits.anonymousPerAddress.activeRuns,
    addressPerMinute: limits.anonymousPerAddress.startsPerMinute,
    queued: limits.queuedRuns,
  };
}

/** The error a refused start answers, saying which limit and when to try again. */
export function limitExceeded(refusal: Refusal, limits: RunLimits): LimitExceededError {
  const { owner, anonymousPerAddress } = limits;
  const rateRetry = refusal.retryAfterMs ?? BUSY_RETRY_AFTER_MS;
  switch (refusal.limit) {
    case "owner_active":
      return new LimitExceededError(
        `at most ${owner.activeRunsPerOwner} active runs per owner; wait for one to finish or cancel one`,
        BUSY_RETRY_AFTER_MS,
      );
    case "owner_rate":
      return new LimitExceededError(
        `at most ${owner.startsPerMinute} runs per minute per owner; try again shortly`,
        rateRetry,
      );
    case "address_active":
      return new LimitExceededError(
        `at most ${anonymousPerAddress.activeRuns} active anonymous runs per client address; wait for one to finish`,
        BUSY_RETRY_AFTER_MS,
      );
    case "address_rate":
      return new LimitExceededError(
        `at most ${anonymousPerAddress.startsPerMinute} runs per minute per client address; try again shortly`,
        rateRetry,
      );
    case "queued":
      return new LimitExceededError(
        `the server has ${limits.queuedRuns} runs waiting to start; try again shortly`,
        BUSY_RETRY_AFTER_MS,
      );
  }
}
