import { CANONICAL_STEPS } from "../../src/shared/canonical-plan";
import type { BenchOptions } from "../lib/options";
import type { Figure } from "../lib/report";
import { startApiServer, type ApiServer } from "../lib/processes";

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The real server (src/server/main.ts) with the bench settings, optionally CPU-profiled. */
export function startOurServer(options: BenchOptions, databaseUrl: string, label: string): Promise<ApiServer> {
  return startApiServer({
    databaseUrl,
    env: options.serverEnv,
    // One directory per server: the tsx loader thread writes a profile of its own next to the main one.
    nodeArgs: options.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=bench/results/profiles/${label}-${Date.now()}`] : [],
  });
}

/** The events of a successful canonical run, seq 1..13, as `run.events` yields them. */
export function canonicalEvents(runId: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [{ type: "RunStarted", source: "api" }];
  for (const name of CANONICAL_STEPS) {
    events.push({ type: "NodeStarted", source: "worker", name });
    if (name === "EnsureDevice") events.push({ type: "DebugTrace", source: "worker", fn: "ensureDevice.check" });
    events.push({ type: "NodeFinished", source: "worker", name });
  }
  events.push({ type: "RunFinished", source: "worker", status: "succeeded" });
  return events.map((event, i) => ({ runId, seq: i + 1, ts: 0, v: 1, ...event }));
}

/** What a section reports: its figures, and lines about its setup for the recorded results. */
export interface SectionResult {
  figures: Figure[];
  notes: string[];
}
