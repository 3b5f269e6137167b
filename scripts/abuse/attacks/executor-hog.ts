import { anonymousSession, boundedAgent, startRunAs } from "../http";
import { sleep } from "../tally";
import { type Attack, loopUntil } from "./attack";

const FIRST_RUNS = 50;
const LOOPS = 4;
const CAP = 2_000;
const STEP_DELAY_MS = 60_000;
const RETRY_EVERY_MS = 100;

export const executorHog: Attack = {
  name: "executor-hog",
  leavesRunsBehind: true,
  summary: `one anonymous owner starts ${FIRST_RUNS} runs at ${STEP_DELAY_MS} ms a step, then keeps starting as many as it is allowed`,
  async run(context) {
    const { tally } = context;
    const agent = boundedAgent(LOOPS);
    try {
      const cookie = await anonymousSession(agent, context.port);
      await loopUntil(context, LOOPS, CAP, async (i) => {
        tally.sent += 1;
        const { outcome, runId } = await startRunAs(agent, context.port, cookie, { stepDelayMs: STEP_DELAY_MS }, 5_000);
        tally.record(outcome);
        if (runId) tally.count("attacker runs started");
        else if ("status" in outcome) tally.count(`run.start ${outcome.status}`);
        // The first FIRST_RUNS go out back to back; after that, a steady trickle of retries.
        if (i >= FIRST_RUNS) await sleep(RETRY_EVERY_MS);
      });
    } finally {
      agent.destroy();
    }
  },
};
