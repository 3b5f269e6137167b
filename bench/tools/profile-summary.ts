// Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): where the server spent its CPU.
//   npx tsx bench/tools/profile-summary.ts bench/results/profiles/<file>.cpuprofile [top]
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;

const label = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\/.*?node_modules\//, "").replace(/^file:\/\/.*?\/(src|bench)\//, "$1/");
  return `${functionName || "(anonymous)"} ${where ? `${where}:${lineNumber + 1}` : ""}`.trim();
};

// Self time by function, and by package/area (node_modules package, src/..., or V8/GC/idle).
const selfByLabel = new Map<string, number>();
const byArea = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + us);
  const url = node.callFrame.url;
  const area =
    /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    /\/(src\/[^/]+\/[^/]+)/.exec(url)?.[1] ??
    (url.startsWith("node:") ? "node internals" : node.callFrame.functionName || "(native)");
  byArea.set(area, (byArea.get(area) ?? 0) + us);
}

// Inclusive time of a few functions worth knowing: every ancestor of a sample gets its time once.
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + us);
  }
}

const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const print = (title: string, entries: Map<string, number>, filter: (l: string) => boolean = () => true) => {
  process.stdout.write(`\n${title}\n`);
  for (const [l, us] of [...entries]
    .filter(([l]) => filter(l))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${l}\n`);
  }
};
process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled\n`);
print("self time by area", byArea);
print("self time by function", selfByLabel);
print("inclusive time, project code", inclusive, (l) => / (src|bench)\//.test(l));
