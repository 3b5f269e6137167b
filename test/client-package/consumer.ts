// A program of another app, as test/client-package.test.ts installs it beside the packed client
// package in a project of its own: it imports only the package and tRPC, is type-checked there under
// `nodenext` and `bundler` resolution with strict settings, and runs against a live runs server
// (LIVE_RUNS_URL, LIVE_RUNS_TOKEN). It prints what it saw as one JSON line, and must exit by itself.
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { createRunsClient, type AppRouter, type RunEvent, type RunStartInput } from "@live-runs/client";

const url = process.env.LIVE_RUNS_URL ?? "http://127.0.0.1:3000";
const token = process.env.LIVE_RUNS_TOKEN;

/** One word per event, from the union's members (narrowed by `type`). */
function describe(event: RunEvent): string {
  switch (event.type) {
    case "NodeStarted":
    case "NodeFinished":
      return `${event.type}:${event.name}`;
    case "DebugTrace":
      return `${event.type}:${event.fn}`;
    case "RunResumed":
      return `${event.type}:${event.reason}`;
    case "RunFinished":
      return `${event.type}:${event.status}`;
    default:
      return event.type;
  }
}

const client = createRunsClient({ url, token });
try {
  const start: RunStartInput = { stepDelayMs: 20 };
  const run = await client.trpc.run.start.mutate(start);

  // The first three events, then leave the loop (which unsubscribes) and resume after the last one.
  const firstEvents: RunEvent[] = [];
  for await (const event of client.subscribeToRun(run.id)) {
    firstEvents.push(event);
    if (firstEvents.length === 3) break;
  }
  const resumedEvents: RunEvent[] = [];
  for await (const event of client.subscribeToRun(run.id, { fromSeq: firstEvents.at(-1)?.seq ?? 0 })) {
    resumedEvents.push(event);
  }
  const finished = await client.waitForRun(run.id);

  const other = await client.trpc.run.start.mutate({ stepDelayMs: 60_000, appPath: "/other" });
  await client.trpc.run.cancel.mutate({ runId: other.id });
  const cancelled = await client.waitForRun(other.id);

  const wordCount = await client.trpc.run.start.mutate({ plan: "word-count", input: { text: "a b a" } });
  const counted = await client.waitForRun(wordCount.id);
  const list = await client.trpc.run.list.query({ limit: 10 });

  let refusal = "";
  try {
    await client.trpc.run.get.query({ runId: "not-a-uuid" });
  } catch (error) {
    if (error instanceof TRPCClientError) refusal = String((error as TRPCClientError<AppRouter>).data?.code);
  }

  // AppRouter types a plain tRPC client as well.
  const plain = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${url}/api/trpc`, headers: token ? { authorization: `Bearer ${token}` } : {} })],
  });
  const plans = await plain.run.plans.query();

  console.log(
    JSON.stringify({
      webSocket: "WebSocket" in globalThis ? "global" : "ws",
      firstEvents: firstEvents.map(describe),
      resumedEvents: resumedEvents.map(describe),
      seqs: [...firstEvents, ...resumedEvents].map((event) => event.seq),
      finished: finished.status,
      cancelled: [cancelled.status, cancelled.finishedAt !== null],
      listed: [run.id, other.id, wordCount.id].map((id) => list.items.some((item) => item.id === id)),
      wordCountOutput: counted.output,
      refusal,
      plans: plans.map((plan) => plan.name),
    }),
  );
} finally {
  await client.close();
}
