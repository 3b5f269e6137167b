import type { RunStartInput } from "@live-runs/client";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { definePlan } from "../src/plans/types";
import { awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs, useTestServer } from "./support/fixture";

// A node that always has a trace being written: a cancel lands while one is in flight, and the
// RunFinished the executor then writes must wait for it rather than be refused as out of order.
const chattyPlan = definePlan({
  name: "chatty",
  title: "Chatty",
  description: "Traces until it is stopped.",
  input: z.object({}),
  nodes: [
    {
      name: "Chatter",
      async run({ signal, trace }) {
        for (let n = 0; !signal.aborted; n++) await trace("tick", { n });
      },
    },
  ],
  output: () => ({}),
});

const api = useTestServer({ plans: [chattyPlan] });
// A plan this client was not compiled with: started with a cast (see RunStartInput).
const chatty: string = chattyPlan.name;

describe("cancel while the run is writing", () => {
  it("a cancel that lands while a trace is being written ends the run cancelled, every time", async () => {
    const { trpc } = api().client();
    for (let round = 0; round < 5; round++) {
      const run = await trpc.run.start.mutate({ plan: chatty, input: {} } as RunStartInput);
      const stream = subscribeEvents(trpc, { runId: run.id });
      await awaitEvents(stream, (events) => events.some((e) => e.type === "DebugTrace"), "the node to trace");
      await trpc.run.cancel.mutate({ runId: run.id });
      const events = await awaitStreamCompletion(stream);
      expect(seqs(events)).toEqual(range(1, events.length));
      expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "cancelled", reason: "user_cancelled" });
      expect((await trpc.run.get.query({ runId: run.id })).status).toBe("cancelled");
    }
  });
});
