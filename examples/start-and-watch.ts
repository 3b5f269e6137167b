// Starts a run on a live runs server and prints its timeline as it happens.
//   LIVE_RUNS_TOKEN=<token from `npm run tokens -- create`> npx tsx examples/start-and-watch.ts [server-url] [step-delay-ms]
import { createRunsClient } from "@live-runs/client";

const url = process.argv[2] ?? "http://127.0.0.1:3000";
const stepDelayMs = Number(process.argv[3] ?? 300);

const token = process.env.LIVE_RUNS_TOKEN;
if (!token) throw new Error("set LIVE_RUNS_TOKEN to an API token (npm run tokens -- create --owner you)");
const client = createRunsClient({ url, token });
try {
  const run = await client.trpc.run.start.mutate({ appPath: "apps/example", stepDelayMs });
  process.stdout.write(`started run ${run.id}\n`);
  // Ends after RunFinished; resumes by itself if the connection drops meanwhile.
  for await (const event of client.subscribeToRun(run.id)) {
    const detail = event.name ?? event.fn ?? [event.status, event.reason].filter(Boolean).join(" ");
    process.stdout.write(`${String(event.seq).padStart(3)}  ${event.type.padEnd(13)} ${detail}\n`);
  }
  const final = await client.trpc.run.get.query({ runId: run.id });
  process.stdout.write(`run ${final.id} ${final.status}\n`);
} finally {
  await client.close();
}
