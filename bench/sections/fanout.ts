import type { BenchOptions } from "../lib/options";
import { createBenchDatabase, createOwners, type BenchOwner } from "../lib/database";
import { freePort, startWorker, type Worker } from "../lib/processes";
import type { BroadcastConfig, FanoutConfig, FanoutResult } from "../lib/protocol";
import type { Figure } from "../lib/report";
import { sleep, summarize } from "../lib/stats";
import { canonicalEvents, log, startOurServer } from "./common";

/** A mutation over plain HTTP, so the orchestrator holds no WebSocket of its own on the server. */
async function mutate(url: string, owner: BenchOwner, procedure: string, input: unknown): Promise<{ id?: string }> {
  const response = await fetch(`${url}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}` },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: { data?: { id?: string } } };
  if (!body.result?.data) throw new Error(`${procedure} failed: ${JSON.stringify(body)}`);
  return body.result.data;
}

/**
 * Cancels the run, again while the server answers 503: with 10,000 subscribers on a loaded machine,
 * writing one step's events to every socket can hold the event loop past the request deadline.
 * Cancelling is idempotent, so a repeat is harmless.
 */
async function cancelRun(url: string, owner: BenchOwner, runId: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await mutate(url, owner, "run.cancel", { runId });
      return;
    } catch (error) {
      if (attempt >= 5 || !String(error).includes("SERVICE_UNAVAILABLE")) throw error;
      log(`  run.cancel answered 503 (attempt ${attempt}); trying again`);
    }
  }
}

async function startRun(url: string, owner: BenchOwner, stepDelayMs: number): Promise<string> {
  const { id } = await mutate(url, owner, "run.start", { appPath: "/bench/fanout", stepDelayMs });
  return id!;
}

function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** Arrival minus ts of every delivery of an event appended (or sent) after all subscribers attached. */
function deliveries(results: FanoutResult[], from: number): number[] {
  const samples: number[] = [];
  for (const r of results)
    for (let i = 0; i < r.ts.length; i += 1) if (r.ts[i]! >= from) samples.push(r.arrived[i]! - r.ts[i]!);
  return samples;
}

async function allSubscribed(workers: Worker<FanoutResult>[]): Promise<number> {
  const acks = await Promise.all(
    workers.map((w) =>
      // A client process whose subscriptions failed reports its result instead: say why.
      Promise.race([
        w.next("subscribed"),
        w.result.then((r) => {
          const why = [...new Set(r.errors)].slice(0, 3).join("; ");
          throw new Error(
            `a client process finished before all its subscribers attached (${r.errors.length} failed: ${why})`,
          );
        }),
      ]),
    ),
  );
  return Math.max(...acks.map((a) => a.at));
}

function checkComplete(results: FanoutResult[], subscribers: number, what: string): void {
  const errors = results.flatMap((r) => r.errors);
  const completed = results.reduce((sum, r) => sum + r.completed, 0);
  if (errors.length > 0 || completed !== subscribers) {
    throw new Error(`${what}: ${completed}/${subscribers} subscribers completed; ${errors.slice(0, 3).join("; ")}`);
  }
}

async function oursOnce(options: BenchOptions, databaseUrl: string, owner: BenchOwner, subscribers: number) {
  const server = await startOurServer(options, databaseUrl, `fanout-${subscribers}`);
  try {
    await startRun(server.url, owner, 0);
    await sleep(500);
    const rssBefore = server.rss();
    const workers = splitEvenly(subscribers, options.fanout.processes(subscribers)).map((n) =>
      startWorker<FanoutResult>("fanout-client", {
        mode: "trpc",
        url: server.url,
        token: owner.token,
        subscribers: n,
      } satisfies FanoutConfig),
    );
    await Promise.all(workers.map((w) => w.next("ready")));
    const rssConnected = server.rss();
    const stepDelayMs = options.fanout.stepDelayMs(subscribers);
    const runStartedAt = Date.now();
    const runId = await startRun(server.url, owner, stepDelayMs);
    // RunStarted, NodeStarted and DebugTrace are appended at once; the next event waits a step.
    await sleep(200);
    for (const w of workers) w.send({ type: "go", runId, backfill: 3 });
    const subscribedAt = await allSubscribed(workers);
    if (subscribedAt > runStartedAt + stepDelayMs)
      log(`  warning: subscribers took ${subscribedAt - runStartedAt} ms to attach`);
    await sleep(100);
    const rssPerSubscriber = (server.rss() - rssBefore) / subscribers;
    if (stepDelayMs > 3_000) {
      // Long steps (many subscribers): measure the first step's events, then RunFinished by cancel.
      await sleep(runStartedAt + stepDelayMs + 1_000 - Date.now());
      await cancelRun(server.url, owner, runId);
    }
    if (process.env.BENCH_DEBUG) {
      const rssSubscribed = server.rss();
      await sleep(1000);
      log(
        `    rss MB: before ${(rssBefore / 2 ** 20).toFixed(1)} connected ${(rssConnected / 2 ** 20).toFixed(1)} subscribed ${(rssSubscribed / 2 ** 20).toFixed(1)} +1s ${(server.rss() / 2 ** 20).toFixed(1)}`,
      );
    }
    const results = await Promise.all(workers.map((w) => w.result));
    checkComplete(results, subscribers, "fan-out");
    if (process.env.BENCH_DEBUG) {
      const byTs = new Map<number, number[]>();
      for (const r of results) r.ts.forEach((ts, i) => byTs.set(ts, [...(byTs.get(ts) ?? []), r.arrived[i]! - ts]));
      for (const [ts, lat] of [...byTs].sort((a, b) => a[0] - b[0])) {
        lat.sort((a, b) => a - b);
        log(
          `    event ts ${ts}: n=${lat.length} first ${lat[0]!.toFixed(1)} median ${lat[lat.length >> 1]!.toFixed(1)} last ${lat.at(-1)!.toFixed(1)} ms`,
        );
      }
    }
    return { ...summarize(deliveries(results, subscribedAt)), rssPerSubscriber, attachMs: subscribedAt - runStartedAt };
  } finally {
    await server.stop();
  }
}

async function rawOnce(options: BenchOptions, subscribers: number) {
  const port = await freePort();
  const events = canonicalEvents("00000000-0000-4000-8000-000000000000").slice(3);
  const broadcaster = startWorker<unknown>("broadcast-server", {
    port,
    events,
    burst: 2,
    stepMs: options.fanout.rawStepMs,
  } satisfies BroadcastConfig);
  await broadcaster.next("ready");
  const workers = splitEvenly(subscribers, options.fanout.processes(subscribers)).map((n) =>
    startWorker<FanoutResult>("fanout-client", {
      mode: "raw",
      url: `ws://127.0.0.1:${port}`,
      token: "",
      subscribers: n,
    } satisfies FanoutConfig),
  );
  await Promise.all(workers.map((w) => w.next("ready")));
  for (const w of workers) w.send({ type: "go" });
  const subscribedAt = await allSubscribed(workers);
  broadcaster.send({ type: "go" });
  const results = await Promise.all(workers.map((w) => w.result));
  broadcaster.send({ type: "stop" });
  await broadcaster.result;
  checkComplete(results, subscribers, "raw broadcast");
  return summarize(deliveries(results, subscribedAt));
}

/**
 * Fan-out: `n` subscribers (one WebSocket each, spread over client processes) on one run; delivery
 * p99 and the server's RSS growth per idle subscriber, against a raw `ws` broadcast of the same frames.
 */
export async function fanoutSection(options: BenchOptions): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const subscribers of options.fanout.subscribers) {
    const db = await createBenchDatabase(options.adminUrl, "fanout");
    const [owner] = await createOwners(db.url, "fanout");
    const p99: number[] = [];
    const rss: number[] = [];
    const raw: number[] = [];
    try {
      for (let rep = 1; rep <= options.reps; rep += 1) {
        const ours = await oursOnce(options, db.url, owner!, subscribers);
        const baseline = await rawOnce(options, subscribers);
        p99.push(ours.p99);
        rss.push(ours.rssPerSubscriber / 1024);
        raw.push(baseline.p99);
        log(
          `  rep ${rep} (${subscribers} subscribers): ours p50/p99 ${ours.p50.toFixed(2)}/${ours.p99.toFixed(2)} ms (n=${ours.count}),` +
            ` attach ${ours.attachMs} ms, ${(ours.rssPerSubscriber / 1024).toFixed(1)} KB/subscriber` +
            ` | raw ws p50/p99 ${baseline.p50.toFixed(2)}/${baseline.p99.toFixed(2)} ms (n=${baseline.count})`,
        );
      }
    } finally {
      await db.drop();
    }
    const label = subscribers.toLocaleString("en-US");
    figures.push(
      {
        section: "fanout",
        name: `fan-out delivery p99, ${label} subscribers on one run`,
        unit: "ms",
        ours: p99,
        baselineName: "raw ws broadcast p99",
        baseline: raw,
        ratioLabel: "× raw ws",
        ratio: (o, b) => o / b,
        // The goals: within 1.5× a raw ws broadcast at 1,000 subscribers, 2× at 10,000.
        goal: `≤ ${rawRatioGoal(subscribers)} × raw ws`,
        met: (o, b) => o <= rawRatioGoal(subscribers) * b,
      },
      {
        section: "fanout",
        name: `server RSS per idle subscriber, ${label} subscribers`,
        unit: "KB",
        ours: rss,
        goal: "≤ 30 KB",
        met: (o) => o <= 30,
      },
    );
  }
  return figures;
}

/** How far behind a raw ws broadcast of the same frames the fan-out may be: more slack with more subscribers. */
const rawRatioGoal = (subscribers: number) => (subscribers >= 10_000 ? 2 : 1.5);
