import { activityFanout } from "./activity-fanout";
import { type Attack } from "./attack";
import { bigBatch } from "./big-batch";
import { bigBody } from "./big-body";
import { executorHog } from "./executor-hog";
import { malformedUrl } from "./malformed-url";
import { ownerMinting } from "./owner-minting";
import { slowReader, slowReaderBatches } from "./slow-reader";
import { sseBypass } from "./sse-bypass";

export type { Attack, AttackContext } from "./attack";

/** Every attack, in the order a full run plays them. */
export const ATTACKS: readonly Attack[] = [
  malformedUrl,
  bigBatch,
  bigBody,
  slowReader,
  slowReaderBatches,
  sseBypass,
  activityFanout,
  ownerMinting,
  executorHog,
];
