import { boundedAgent, call, SESSION_COOKIE } from "../http";
import { type Attack, loopUntil } from "./attack";

const CAP = 2_000;
const CONCURRENCY = 4;
const TIMEOUT_MS = 2_000;

// Each is a place where a decodeURIComponent without a guard throws: the path, the query, the cookie.
const REQUESTS: { label: string; path: string; cookie?: string }[] = [
  { label: "trpc path", path: "/api/trpc/x%E0" },
  { label: "trpc input", path: "/api/trpc/run.list?input=%E0" },
  { label: "page cookie", path: "/", cookie: `${SESSION_COOKIE}=%E0%A4%A` },
  { label: "trpc cookie", path: "/api/trpc/run.list", cookie: `${SESSION_COOKIE}=%E0%A4%A` },
  { label: "page path", path: "/%E0" },
];

export const malformedUrl: Attack = {
  name: "malformed-url",
  summary: `malformed %-escapes in paths, queries and cookies, ${CONCURRENCY} at a time, ${TIMEOUT_MS / 1000} s timeout each`,
  async run(context) {
    // A new connection per request, so a server that went away shows as refused connections.
    const agent = boundedAgent(CONCURRENCY, false);
    try {
      await loopUntil(context, CONCURRENCY, CAP, async (i) => {
        const request = REQUESTS[i % REQUESTS.length]!;
        context.tally.sent += 1;
        const { outcome } = await call(agent, context.port, {
          path: request.path,
          headers: request.cookie ? { cookie: request.cookie } : {},
          timeoutMs: TIMEOUT_MS,
        });
        context.tally.record(outcome);
        // Name the request behind a 5xx or a hang in the notes (errors are counted by their code).
        if ("hung" in outcome) context.tally.count(`${request.label} hung`);
        else if ("status" in outcome && outcome.status >= 500)
          context.tally.count(`${request.label} ${outcome.status}`);
      });
    } finally {
      agent.destroy();
    }
  },
};
