import { type Tally } from "../tally";

export interface AttackContext {
  port: number;
  /** Epoch ms after which the attack sends nothing new. */
  deadline: number;
  /** Aborts at the deadline: held requests and sockets are let go then. */
  signal: AbortSignal;
  tally: Tally;
}

export interface Attack {
  name: string;
  /** One line for the output: what the attacker does. */
  summary: string;
  /** Leaves runs behind that keep the executor busy for minutes: the next attack gets a fresh server. */
  leavesRunsBehind?: boolean;
  /** Sends until the deadline or its own count cap, then releases everything it holds. */
  run(context: AttackContext): Promise<void>;
}

/** Milliseconds until the deadline (0 when past it). */
export const timeLeft = (context: AttackContext) => Math.max(0, context.deadline - Date.now());

/** Runs `loops` copies of `body` until the deadline or until `cap` iterations were started in all. */
export async function loopUntil(
  context: AttackContext,
  loops: number,
  cap: number,
  body: (iteration: number) => Promise<void>,
): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (timeLeft(context) > 0 && started < cap) await body(started++);
    }),
  );
}
