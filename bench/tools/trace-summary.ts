// Summarises a Chromium trace (from `npm run bench:browser -- --cpu-profile`): where the page's
// main thread spent its time, by trace event (script, style, layout, paint, GC…), self time.
//   npx tsx bench/tools/trace-summary.ts bench/results/profiles/<file>.trace.json [top]
import { readFileSync } from "node:fs";

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: trace-summary.ts <file.trace.json> [top]");
const top = Number(topArg ?? 25);
const raw = JSON.parse(readFileSync(file, "utf8")) as TraceEvent[] | { traceEvents: TraceEvent[] };
const events = Array.isArray(raw) ? raw : raw.traceEvents;

// The renderer's main threads; the page's is the busiest of them.
const mainThreads = events
  .filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain")
  .map((e) => `${e.pid}:${e.tid}`);
const busy = new Map<string, number>();
for (const e of events)
  if (e.ph === "X" && e.name === "RunTask" && mainThreads.includes(`${e.pid}:${e.tid}`))
    busy.set(`${e.pid}:${e.tid}`, (busy.get(`${e.pid}:${e.tid}`) ?? 0) + (e.dur ?? 0));
const [thread] = [...busy].sort((a, b) => b[1] - a[1])[0] ?? [];
if (!thread) throw new Error("no renderer main thread with tasks in this trace");

const complete = events
  .filter((e) => e.ph === "X" && `${e.pid}:${e.tid}` === thread && e.dur !== undefined)
  .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
// Self time: each event's duration minus that of the events nested directly in it.
const self = new Map<string, number>();
const count = new Map<string, number>();
const stack: { event: TraceEvent; children: number }[] = [];
const close = (frame: { event: TraceEvent; children: number }) => {
  const { name, dur } = frame.event;
  self.set(name, (self.get(name) ?? 0) + Math.max(0, dur! - frame.children));
  count.set(name, (count.get(name) ?? 0) + 1);
};
for (const event of complete) {
  while (stack.length && stack.at(-1)!.event.ts + stack.at(-1)!.event.dur! <= event.ts) close(stack.pop()!);
  if (stack.length) stack.at(-1)!.children += event.dur!;
  stack.push({ event, children: 0 });
}
while (stack.length) close(stack.pop()!);

const tasks = complete.filter((e) => e.name === "RunTask");
const span = (complete.at(-1)!.ts + complete.at(-1)!.dur! - complete[0]!.ts) / 1000;
const taskMs = tasks.reduce((sum, e) => sum + e.dur!, 0) / 1000;
const long = tasks.filter((e) => e.dur! >= 50_000).map((e) => e.dur! / 1000);
process.stdout.write(
  `${file}: main thread busy ${taskMs.toFixed(0)} ms of ${span.toFixed(0)} ms traced; ` +
    `${long.length} tasks ≥ 50 ms (longest ${Math.max(0, ...long).toFixed(0)} ms)\n\nself time by trace event\n`,
);
const total = [...self.values()].reduce((a, b) => a + b, 0);
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  process.stdout.write(
    `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${String(count.get(name)).padStart(6)}×  ${name}\n`,
  );
