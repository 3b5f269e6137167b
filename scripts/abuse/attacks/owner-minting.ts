import { boundedAgent, call, sessionCookieFrom, startRunAs } from "../http";
import { sleep } from "../tally";
import { type Attack, loopUntil, timeLeft } from "./attack";

const MINT_LOOPS = 6;
const START_LOOPS = 6;
const MINT_CAP = 20_000;
const START_CAP = 5_000;
const RUNS_PER_OWNER = 50; // the default ACTIVE_RUNS_PER_OWNER: each new owner starts up to its limit
const STEP_DELAY_MS = 60_000;

export const ownerMinting: Attack = {
  name: "owner-minting",
  leavesRunsBehind: true,
  summary: `cookie-less HEAD /x and GET / to mint anonymous owners (${MINT_LOOPS} loops), each new owner starting up to ${RUNS_PER_OWNER} runs at ${STEP_DELAY_MS} ms a step (${START_LOOPS} loops)`,
  async run(context) {
    const { tally } = context;
    const agent = boundedAgent(MINT_LOOPS + START_LOOPS);
    const fresh: string[] = [];
    let minting = true;
    const mint = loopUntil(context, MINT_LOOPS, MINT_CAP, async (i) => {
      const [method, path] = i % 2 === 0 ? ["HEAD", "/x"] : ["GET", "/"];
      tally.sent += 1;
      const { outcome, headers } = await call(agent, context.port, {
        method,
        path,
        timeoutMs: Math.min(5_000, timeLeft(context) + 2_000),
      });
      tally.record(outcome);
      if ("status" in outcome) tally.count(`${method} ${path} ${outcome.status}`); // HEAD /x is a 404 page
      const cookie = sessionCookieFrom(headers);
      if (cookie) {
        tally.count("owners minted");
        fresh.push(cookie);
      }
    }).finally(() => (minting = false));
    let starts = 0;
    const starter = async () => {
      while (timeLeft(context) > 0 && starts < START_CAP) {
        const cookie = fresh.shift();
        if (!cookie) {
          if (!minting) return;
          await sleep(20);
          continue;
        }
        for (let n = 0; n < RUNS_PER_OWNER && timeLeft(context) > 0 && starts < START_CAP; n++) {
          starts += 1;
          tally.sent += 1;
          const { outcome, runId } = await startRunAs(
            agent,
            context.port,
            cookie,
            { stepDelayMs: STEP_DELAY_MS },
            5_000,
          );
          tally.record(outcome);
          if ("status" in outcome && outcome.status !== 200) tally.count(`run.start ${outcome.status}`);
          if (!runId) break; // over this owner's limit (or refused): on to a new owner
          tally.count("attacker runs started");
        }
      }
    };
    const start = Promise.all(Array.from({ length: START_LOOPS }, starter));
    try {
      await Promise.all([mint, start]);
    } finally {
      agent.destroy();
    }
  },
};
