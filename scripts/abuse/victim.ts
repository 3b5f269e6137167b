// The well-behaved owner that shares the server with the attacker: it reads one of its runs every
// ~50 ms and starts (and watches to the end) a short run every second, through the typed client.
import { createRunsClient, type RunsClient } from "@live-runs/client";
import { sleep } from "./tally";

const GET_EVERY_MS = 50;
const START_EVERY_MS = 1_000;
const CALL_TIMEOUT_MS = 5_000;
/**
 * Reads made before the attack starts and not counted: a fresh process's first calls are slow
 * (compilation, connections; 30–70 ms here with no attack), which is not the attack's doing, and
 * an attack that ends early leaves few enough reads that p99 is their slowest.
 */
const WARM_UP_GETS = 20;

export interface VictimReport {
  /** Latencies of the run.get calls that answered (ms). */
  getLatencies: number[];
  getErrors: number;
  runsStarted: number;
  runsCompleted: number;
  /** run.start calls that failed (included in runsStarted, never completed). */
  startErrors: number;
  /** Longest run.start → RunFinished of the completed runs (ms); 0 when none completed. */
  worstRunMs: number;
}

export interface Victim {
  /** Stops calling run.get and starting runs; runs already started are still watched. */
  stopLoad(): void;
  /** Waits until every started run finished, or `timeoutMs`. */
  settle(timeoutMs: number): Promise<void>;
  report(): VictimReport;
  close(): Promise<void>;
}

/** The run the victim keeps reading; a busy server gets a few tries. */
async function startTarget(trpc: RunsClient["trpc"]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await trpc.run.start.mutate({ stepDelayMs: 0 }, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    } catch (error) {
      if (attempt === 3) throw new Error(`the victim could not start a run: ${(error as Error).message}`);
    }
  }
}

export async function startVictim(url: string, token: string): Promise<Victim> {
  const client = createRunsClient({ url, token, retryDelayMs: () => 200 });
  const { trpc } = client;
  const target = await startTarget(trpc).catch(async (error: unknown) => {
    await client.close();
    throw error;
  });
  for (let i = 0; i < WARM_UP_GETS; i++)
    await trpc.run.get.query({ runId: target.id }, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) }).catch(() => {});
  const report: VictimReport = {
    getLatencies: [],
    getErrors: 0,
    runsStarted: 0,
    runsCompleted: 0,
    startErrors: 0,
    worstRunMs: 0,
  };
  const pending = new Set<Promise<void>>();
  const unsubscribes = new Set<() => void>();
  let loading = true;

  const getLoop = async () => {
    while (loading) {
      const startedAt = performance.now();
      try {
        await trpc.run.get.query({ runId: target.id }, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
        report.getLatencies.push(performance.now() - startedAt);
      } catch {
        report.getErrors += 1;
      }
      await sleep(GET_EVERY_MS - (performance.now() - startedAt));
    }
  };

  const startAndWatch = async () => {
    const startedAt = performance.now();
    report.runsStarted += 1;
    let runId: string;
    try {
      const stepDelayMs = Math.floor(Math.random() * 101);
      runId = (await trpc.run.start.mutate({ stepDelayMs }, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })).id;
    } catch {
      report.startErrors += 1;
      return;
    }
    await new Promise<void>((resolve) => {
      const subscription = trpc.run.events.subscribe(
        { runId, fromSeq: 0 },
        {
          onData: ({ data }) => {
            if (data.type !== "RunFinished") return;
            report.runsCompleted += 1;
            report.worstRunMs = Math.max(report.worstRunMs, performance.now() - startedAt);
            done();
          },
          onError: () => {}, // the client reconnects and resumes by itself
        },
      );
      const done = () => {
        subscription.unsubscribe();
        unsubscribes.delete(done);
        resolve();
      };
      unsubscribes.add(done);
    });
  };

  const startLoop = async () => {
    while (loading) {
      const watch = startAndWatch();
      pending.add(watch);
      void watch.finally(() => pending.delete(watch));
      await sleep(START_EVERY_MS);
    }
  };

  const loops = Promise.all([getLoop(), startLoop()]);
  return {
    stopLoad() {
      loading = false;
    },
    async settle(timeoutMs) {
      const allFinished = async () => {
        await loops;
        await Promise.all([...pending]);
      };
      await Promise.race([allFinished(), sleep(timeoutMs)]);
    },
    report: () => ({ ...report, getLatencies: [...report.getLatencies] }),
    async close() {
      loading = false;
      for (const done of [...unsubscribes]) done();
      await Promise.race([client.close(), sleep(2_000)]);
    },
  };
}
