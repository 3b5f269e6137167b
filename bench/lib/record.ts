import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { repoRoot } from "./processes";

/** The machine's 1, 5 and 15 minute load averages, as the reports print them. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");

/**
 * Writes `markdown` into BENCHMARKS.md between `<!-- bench:<marker>:start -->` and its end marker;
 * returns the file's path.
 */
export function recordInBenchmarks(marker: string, markdown: string): string {
  const path = `${repoRoot}BENCHMARKS.md`;
  const start = `<!-- bench:${marker}:start -->`;
  const end = `<!-- bench:${marker}:end -->`;
  const current = readFileSync(path, "utf8");
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  if (from < 0 || to < from) throw new Error(`BENCHMARKS.md has no ${start} … ${end} section to record into`);
  writeFileSync(path, `${current.slice(0, from + start.length)}\n${markdown}\n${current.slice(to)}`);
  // The repository's formatter aligns the table, so `npm run check` stays green.
  spawnSync(process.execPath, [`${repoRoot}node_modules/prettier/bin/prettier.cjs`, "--write", path], {
    stdio: "ignore",
  });
  return path;
}
