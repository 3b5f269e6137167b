// Benchmarks of the live runs pipeline against the ceilings of the parts it is built on, measured
// in the same run. See BENCHMARKS.md. Usage: npm run bench -- --help
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import postgres from "postgres";
import { parseOptions, usage, type BenchOptions, type Section } from "./lib/options";
import { killChildren, repoRoot } from "./lib/processes";
import { describeRow, markdownTable, toRow, type Figure, type Row } from "./lib/report";
import { preciseNow } from "./lib/stats";
import { backfillSection } from "./sections/backfill";
import { log, type SectionResult } from "./sections/common";
import { fanoutSection } from "./sections/fanout";
import { latencySection } from "./sections/latency";
import { throughputSection } from "./sections/throughput";
import { timelineSection } from "./sections/timeline";
import { loadAverage, recordInBenchmarks } from "./lib/record";

const sections: Record<Section, (options: BenchOptions) => Promise<Figure[] | SectionResult>> = {
  latency: latencySection,
  throughput: throughputSection,
  fanout: fanoutSection,
  backfill: backfillSection,
  timeline: timelineSection,
};

/**
 * Where a section's table is recorded: the pipeline sections share `bench:latest`; the timeline
 * (the run page in a browser) has its own, so recording one never overwrites the other.
 */
const recordedAs = (section: string) => (section === "timeline" ? "timeline" : "latest");

async function machineDescription(adminUrl: string): Promise<string> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [pg] = await sql<{ version: string; sync: string; fsync: string; sb: string }[]>`
      select current_setting('server_version') as version, current_setting('synchronous_commit') as sync,
             current_setting('fsync') as fsync, current_setting('shared_buffers') as sb`;
    const cpu = os.cpus();
    return (
      `${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; ` +
      `Node ${process.version}; PostgreSQL ${pg!.version} on 127.0.0.1 (synchronous_commit=${pg!.sync}, fsync=${pg!.fsync}, shared_buffers=${pg!.sb})`
    );
  } finally {
    await sql.end();
  }
}

function record(marker: string, markdown: string): void {
  log(`recorded into ${recordInBenchmarks(marker, markdown)} (bench:${marker})`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    log(usage);
    return;
  }
  const machine = await machineDescription(options.adminUrl);
  const settings = Object.entries(options.serverEnv)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  log(`live runs bench, ${options.mode} mode, ${options.reps} repetitions per figure`);
  log(`machine: ${machine}`);
  log(`server: SERVE_PAGES=false NODE_ENV=production ${settings}`);
  const loadAtStart = loadAverage();
  log(`load average: ${loadAtStart} (other work on the machine skews every figure)`);
  const t0 = preciseNow();
  const rows: Row[] = [];
  const notes = new Map<string, string[]>();
  for (const section of options.sections) {
    log(`\n[${section}]`);
    const started = preciseNow();
    const result = await sections[section](options);
    const figures = Array.isArray(result) ? result : result.figures;
    if (!Array.isArray(result))
      notes.set(recordedAs(section), [...(notes.get(recordedAs(section)) ?? []), ...result.notes]);
    for (const figure of figures) {
      const row = toRow(figure);
      rows.push(row);
      log(describeRow(row));
    }
    log(`  (${((preciseNow() - started) / 1000).toFixed(0)} s)`);
  }
  const elapsed = (preciseNow() - t0) / 1000;
  const load = `load average ${loadAtStart} at start, ${loadAverage()} at the end (2 would mean both cores busy)`;
  const stamp = new Date().toISOString();
  mkdirSync(`${repoRoot}bench/results`, { recursive: true });
  for (const marker of [...new Set(rows.map((row) => recordedAs(row.section)))]) {
    const group = rows.filter((row) => recordedAs(row.section) === marker);
    const table = markdownTable(group);
    log(`\n${table}`);
    const markdown = [
      `Recorded ${stamp.slice(0, 10)} by \`npm run bench -- ${process.argv.slice(2).join(" ")}\` (${options.mode} mode, ` +
        `medians of ${marker === "timeline" ? options.timeline.reps : options.reps} repetitions, ${elapsed.toFixed(0)} s).`,
      "",
      `- Machine: ${machine}`,
      ...(marker === "timeline"
        ? []
        : [
            `- Server: one process, \`SERVE_PAGES=false NODE_ENV=production ${settings}\`, clients in separate processes`,
          ]),
      ...(notes.get(marker) ?? []),
      `- Machine load: ${load}`,
      "",
      table,
    ].join("\n");
    // The pipeline's results keep their file names; the timeline's go beside them.
    const file = marker === "latest" ? "latest" : `${marker}-latest`;
    writeFileSync(`${repoRoot}bench/results/${file}.md`, `${markdown}\n`);
    writeFileSync(
      `${repoRoot}bench/results/${file}.json`,
      `${JSON.stringify({ recordedAt: stamp, mode: options.mode, reps: options.reps, machine, serverEnv: options.serverEnv, elapsedSeconds: elapsed, rows: group }, null, 2)}\n`,
    );
    if (options.record) record(marker, markdown);
  }
  log(`\n${options.mode} mode took ${elapsed.toFixed(0)} s; ${load}`);
}

main().then(
  () => {
    killChildren();
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killChildren();
    process.exit(1);
  },
);
