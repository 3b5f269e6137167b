import { type Attack } from "./attack";
import { bigBatch } from "./big-batch";
import { bigBody } from "./big-body";
import { malformedUrl } from "./malformed-url";

export type { Attack, AttackContext } from "./attack";

/** Every attack, in the order a full run plays them. */
export const ATTACKS: readonly Attack[] = [malformedUrl, bigBatch, bigBody];
