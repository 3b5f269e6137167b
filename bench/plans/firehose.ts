// A bench-only plan: a run that appends DebugTrace events at a steady rate, the way a chatty agent
// streams traces and log lines. Registered only by bench/servers/timeline.ts, never by the app.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { definePlan } from "../../src/plans/types";

export const FIREHOSE_PLAN = "bench-firehose";

const input = z.object({
  /** How long the first step waits before streaming: the watching page loads and settles meanwhile. */
  quietMs: z.number().int().min(0).max(60_000),
  eventsPerSecond: z.number().int().min(1).max(10_000),
  events: z.number().int().min(1).max(100_000),
});
export type FirehoseInput = z.output<typeof input>;

// Log-like traces with small data, cycling through a few kinds as a real agent's would.
const KINDS = ["page.load", "dom.snapshot", "log.info", "network.request"] as const;

export const firehosePlan = definePlan({
  name: FIREHOSE_PLAN,
  title: "Bench firehose",
  description: "Waits quietMs, then appends `events` traces at eventsPerSecond.",
  input,
  nodes: [
    {
      name: "Prepare",
      async run({ input, signal }) {
        await sleep(input.quietMs, undefined, { signal });
      },
    },
    {
      name: "Stream",
      async run({ input, signal, trace }) {
        const started = performance.now();
        for (let i = 1; i <= input.events; i += 1) {
          signal.throwIfAborted();
          // Paced against the start, not per event: a slow append is caught up on, not carried over.
          const due = started + ((i - 1) * 1000) / input.eventsPerSecond;
          const wait = due - performance.now();
          if (wait > 1) await sleep(wait, undefined, { signal });
          await trace(KINDS[i % KINDS.length]!, { i, ms: Math.round(performance.now() - started), ok: i % 50 !== 0 });
        }
        return { events: input.events, ms: Math.round(performance.now() - started) };
      },
    },
    { name: "Finish", run: () => undefined },
  ],
  output: (results) => ({ ...results.Stream }),
});
