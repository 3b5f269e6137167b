import { type Attack } from "./attack";

export type { Attack, AttackContext } from "./attack";

/** Every attack, in the order a full run plays them. */
export const ATTACKS: readonly Attack[] = [];
