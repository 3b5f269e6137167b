// The example app: a backend on its own port that mints view tokens, and the page it serves.
//   ALLOWED_ORIGINS=http://127.0.0.1:5173 npm run dev          (the live runs server, in another terminal)
//   LIVE_RUNS_TOKEN=<API token> npx tsx examples/view-token/server.ts
// then open http://127.0.0.1:5173 (a new run) or http://127.0.0.1:5173/?runId=<one of yours>.
import { startViewTokenApp } from "./app";

const token = process.env.LIVE_RUNS_TOKEN;
if (!token) throw new Error("set LIVE_RUNS_TOKEN to an API token (npm run tokens -- create --owner you)");
const app = await startViewTokenApp({
  runsUrl: process.env.LIVE_RUNS_URL ?? "http://127.0.0.1:3000",
  token,
  host: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 5173),
});
process.stdout.write(`open ${app.url}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
