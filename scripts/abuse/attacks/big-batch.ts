import { anonymousSession, boundedAgent, call } from "../http";
import { type Attack, loopUntil, timeLeft } from "./attack";

const LOOPS = 6;
const CAP = 600;
const PROCEDURES = 1_700; // as many `run.list,` as fit under Node's 16 KiB request-header limit

export const bigBatch: Attack = {
  name: "big-batch",
  summary: `${LOOPS} loops of GET /api/trpc/run.list,…(×${PROCEDURES})?batch=1 as one anonymous owner`,
  async run(context) {
    const agent = boundedAgent(LOOPS);
    const path = `/api/trpc/${Array(PROCEDURES).fill("run.list").join(",")}?batch=1&input=${encodeURIComponent("{}")}`;
    try {
      const cookie = await anonymousSession(agent, context.port);
      await loopUntil(context, LOOPS, CAP, async () => {
        context.tally.sent += 1;
        // An answer that has not come by two seconds after the attack window is counted as hung.
        const { outcome } = await call(agent, context.port, {
          path,
          headers: { cookie },
          timeoutMs: timeLeft(context) + 2_000,
        });
        context.tally.record(outcome);
      });
    } finally {
      agent.destroy();
    }
  },
};
