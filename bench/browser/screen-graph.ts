// Browser benchmark of the run page's screen graph: a `screens` run crawling a generated 226-page
// site up to 200 screens, watched in Chromium while the graph grows, then opened again finished;
// against the run page of a canonical run (13 events) measured the same way in the same run.
// See BENCHMARKS.md ("Browser: the run page's screen graph"). Usage: npm run bench:browser -- --help
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { chromium, devices, type Browser, type BrowserContext, type CDPSession, type Page } from "@playwright/test";
import { createRunsClient, type RunsClient } from "@live-runs/client";
import { createBenchDatabase, type BenchDatabase } from "../lib/database";
import { killChildren, repoRoot, startApiServer, type ApiServer } from "../lib/processes";
import { describeRow, formatNumber, markdownTable, toRow, type Figure, type Row } from "../lib/report";
import { median } from "../lib/stats";
import {
  addProbe,
  longTaskSummary,
  mainThreadMs,
  pageCounters,
  waitUntilShown,
  type PageCounters,
  type ProbeState,
} from "./probe";
import { serveSite, type Site } from "./site";
import { loadAverage, recordInBenchmarks } from "../lib/record";

const usage = `npm run bench:browser -- [options]

  --reps <n>            repetitions (default 3); medians are reported
  --screens <n>         maxScreens of the screens run (default 200, the plan's maximum)
  --page-delay-ms <n>   pageDelayMs of the screens run (default 20), so the graph grows live
  --admin-url <url>     Postgres server to create the bench database on
                        (default: $BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --cpu-profile         after the measurements, one more screens run watched live and opened in a
                        new tab with the page's CPU profile (CDP) and a Chromium trace recorded,
                        written to bench/results/profiles/
  --record              write the results table into BENCHMARKS.md
  --help

Needs a production build (npm run build) and Chromium (/usr/bin/chromium, else Playwright's).`;

const CHROMIUM = "/usr/bin/chromium";
const RUN_TIMEOUT_MS = 180_000;
const SHOW_TIMEOUT_MS = 60_000;

const log = (line: string) => process.stdout.write(`${line}\n`);

/** One look at a run page: the probe's record, the page's counters, and its main-thread time. */
interface Look {
  probe: ProbeState;
  counters: PageCounters;
  /** Main-thread time (CDP Performance metrics) from navigation until shown: all tasks, and of it script, style + layout. */
  mainThreadMs: number;
  scriptMs: number;
  styleLayoutMs: number;
  wallMs: number;
}

/** The three looks at one run: watched live from its start, reloaded in the same tab, opened in a new tab. */
interface Watched {
  runId: string;
  live: Look;
  reload: Look;
  newTab: Look;
}

async function look(page: Page, cdp: CDPSession, navigate: () => Promise<unknown>, timeoutMs: number): Promise<Look> {
  const started = performance.now();
  await navigate();
  const probe = await waitUntilShown(page, timeoutMs);
  const wallMs = performance.now() - started;
  // The counters start over with each document, so these are the look's own.
  const main = await mainThreadMs(cdp);
  return {
    probe,
    counters: await pageCounters(page, cdp),
    mainThreadMs: main.task,
    scriptMs: main.script,
    styleLayoutMs: main.layout,
    wallMs,
  };
}

async function newProbedPage(context: BrowserContext, screens: number) {
  const page = await context.newPage();
  page.on("pageerror", (error) => log(`  page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") log(`  console error: ${message.text()}`);
  });
  await addProbe(page, screens);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  return { page, cdp };
}

/**
 * Starts a run and watches it: its page opened right after the start until it shows the run
 * finished (with `screens` screens in the graph), then reloaded (the tab's cached timeline), then
 * opened in a new tab (every event from the server).
 */
async function watchRun(
  context: BrowserContext,
  client: RunsClient,
  baseUrl: string,
  start: () => Promise<{ id: string }>,
  screens: number,
  onFinished?: (page: Page) => Promise<void>,
): Promise<Watched> {
  const first = await newProbedPage(context, screens);
  const { id: runId } = await start();
  const url = `${baseUrl}/runs/${runId}`;
  const live = await look(first.page, first.cdp, () => first.page.goto(url), RUN_TIMEOUT_MS);
  const run = await client.trpc.run.get.query({ runId });
  if (run.status !== "succeeded") throw new Error(`run ${runId} ended ${run.status}`);
  const reload = await look(first.page, first.cdp, () => first.page.reload(), SHOW_TIMEOUT_MS);
  await first.page.close();
  const second = await newProbedPage(context, screens);
  const newTab = await look(second.page, second.cdp, () => second.page.goto(url), SHOW_TIMEOUT_MS);
  if (onFinished) await onFinished(second.page);
  await second.page.close();
  return { runId, live, reload, newTab };
}

/**
 * The graph card as a person sees it on opening the run (its canvas scrolled to the left), the
 * same card scrolled to the home screen, and the whole drawing scaled down to one picture.
 */
async function saveScreenshots(page: Page, screens: number): Promise<void> {
  const dir = `${repoRoot}test-results/screenshots`;
  mkdirSync(dir, { recursive: true });
  const card = page.getByRole("region", { name: "Screen graph" });
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: `${dir}/screen-graph-${screens}.png`, animations: "disabled" });
  const home = page.locator("svg[role=group] g[data-url]").first();
  await home.evaluate((node) => node.scrollIntoView({ block: "center", inline: "center" }));
  await card.screenshot({ path: `${dir}/screen-graph-${screens}-home.png`, animations: "disabled" });
  const size = await page.evaluate(() => {
    const svg = document.querySelector<SVGSVGElement>("svg[role=group]")!;
    const width = Number(svg.getAttribute("width"));
    const height = Number(svg.getAttribute("height"));
    const scale = Math.min(1, 4000 / width);
    const canvas = svg.parentElement!;
    canvas.style.overflow = "visible";
    canvas.style.maxHeight = "none";
    svg.setAttribute("width", String(Math.round(width * scale)));
    svg.setAttribute("height", String(Math.round(height * scale)));
    return { width, height, scale };
  });
  await page
    .locator("svg[role=group]")
    .screenshot({ path: `${dir}/screen-graph-${screens}-whole.png`, animations: "disabled" });
  log(
    `  screenshots in ${dir}: screen-graph-${screens}.png (the graph card as opened), screen-graph-${screens}-home.png ` +
      `(scrolled to the home screen), screen-graph-${screens}-whole.png (the whole ${size.width} × ${size.height} px ` +
      `graph at ${(size.scale * 100).toFixed(0)}%)`,
  );
}

/**
 * With --cpu-profile: the page's CPU profile (CDP) and a Chromium trace (style, layout, paint…)
 * while the graph grows, and while the finished run loads in a new tab.
 */
async function profileRun(
  browser: Browser,
  context: BrowserContext,
  baseUrl: string,
  start: () => Promise<{ id: string }>,
  screens: number,
): Promise<void> {
  const dir = `${repoRoot}bench/results/profiles`;
  mkdirSync(dir, { recursive: true });
  const stamp = Date.now();
  const profiled = async (name: string, navigate: (page: Page) => Promise<unknown>, timeoutMs: number) => {
    const { page, cdp } = await newProbedPage(context, screens);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
    await browser.startTracing(page, {
      path: `${dir}/browser-${name}-${stamp}.trace.json`,
      categories: ["toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "v8"],
    });
    await cdp.send("Profiler.start");
    await navigate(page);
    await waitUntilShown(page, timeoutMs);
    const { profile } = await cdp.send("Profiler.stop");
    await browser.stopTracing();
    writeFileSync(`${dir}/browser-${name}-${stamp}.cpuprofile`, JSON.stringify(profile));
    await page.close();
  };
  const { id } = await start();
  await profiled("live", (page) => page.goto(`${baseUrl}/runs/${id}`), RUN_TIMEOUT_MS);
  await profiled("new-tab", (page) => page.goto(`${baseUrl}/runs/${id}`), SHOW_TIMEOUT_MS);
  log(`  CPU profiles and traces: ${dir}/browser-{live,new-tab}-${stamp}.{cpuprofile,trace.json}`);
}

const perRep = <T>(reps: readonly Watched[], pick: (w: Watched) => T) => reps.map(pick);

/** Long tasks while the graph grows: from the task that drew the first screen to the one that drew the last. */
const growth = (look: Look) => longTaskSummary(look.probe.longTasks, look.probe.firstScreenAt ?? 0, look.probe.doneAt!);
/** Long tasks of the whole look: from navigation until the run is shown finished. */
const whole = (look: Look) => longTaskSummary(look.probe.longTasks, 0, look.probe.doneAt!);

function figures(ours: Watched[], base: Watched[], screens: number): Figure[] {
  const section = "browser";
  const le = (limit: number) => (value: number) => value <= limit;
  const times = (o: number, b: number) => o / b;
  const common = { section, ratioLabel: "× canonical", ratio: times };
  return [
    {
      ...common,
      name: `longest task while the graph grows to ${screens} screens`,
      unit: "ms",
      ours: perRep(ours, (w) => growth(w.live).longest),
      baselineName: "canonical page, from navigation to finished",
      baseline: perRep(base, (w) => whole(w.live).longest),
      goal: "≤ 100 ms",
      met: le(100),
    },
    {
      ...common,
      name: "long tasks (≥ 50 ms) while the graph grows",
      unit: "",
      ours: perRep(ours, (w) => growth(w.live).count),
      baselineName: "canonical page",
      baseline: perRep(base, (w) => whole(w.live).count),
      goal: "(info)",
    },
    {
      ...common,
      name: "total blocking time while the graph grows",
      unit: "ms",
      ours: perRep(ours, (w) => growth(w.live).blocking),
      baselineName: "canonical page",
      baseline: perRep(base, (w) => whole(w.live).blocking),
      goal: "(info)",
    },
    {
      ...common,
      name: "main thread busy while watching live, share of the wall time",
      unit: "%",
      ours: perRep(ours, (w) => (100 * w.live.mainThreadMs) / w.live.wallMs),
      baselineName: "canonical page",
      baseline: perRep(base, (w) => (100 * w.live.mainThreadMs) / w.live.wallMs),
      goal: "(info)",
    },
    {
      ...common,
      name: `time to show a finished ${screens}-screen run, new tab`,
      unit: "ms",
      ours: perRep(ours, (w) => w.newTab.probe.shownAt!),
      baselineName: "canonical run, new tab",
      baseline: perRep(base, (w) => w.newTab.probe.shownAt!),
      goal: "≤ 1.5 × canonical",
      met: (o, b) => o <= 1.5 * b,
    },
    {
      ...common,
      name: "longest task while it shows, new tab",
      unit: "ms",
      ours: perRep(ours, (w) => whole(w.newTab).longest),
      baselineName: "canonical run, new tab",
      baseline: perRep(base, (w) => whole(w.newTab).longest),
      goal: "(info)",
    },
    {
      ...common,
      name: "time to show it, reload (the tab's cached timeline)",
      unit: "ms",
      ours: perRep(ours, (w) => w.reload.probe.shownAt!),
      baselineName: "canonical run, reload",
      baseline: perRep(base, (w) => w.reload.probe.shownAt!),
      goal: "≤ 1.5 × canonical",
      met: (o, b) => o <= 1.5 * b,
    },
    {
      ...common,
      name: "DOM elements, finished run",
      unit: "",
      ours: perRep(ours, (w) => w.newTab.counters.elements),
      baselineName: "canonical run",
      baseline: perRep(base, (w) => w.newTab.counters.elements),
      goal: "(info)",
    },
    {
      ...common,
      name: "JS heap used after GC, finished run",
      unit: "MB",
      ours: perRep(ours, (w) => w.newTab.counters.heapUsed / 1e6),
      baselineName: "canonical run",
      baseline: perRep(base, (w) => w.newTab.counters.heapUsed / 1e6),
      goal: "(info)",
    },
  ];
}

function describeWatch(label: string, w: Watched): string {
  const live = w.live.probe;
  const g = growth(w.live);
  const steps = live.screenCounts.filter(([, n]) => n > 0);
  const growthMs = live.firstScreenAt === null ? 0 : live.doneAt! - live.firstScreenAt;
  return (
    `  ${label} ${w.runId.slice(0, 8)}: live ${formatNumber(w.live.wallMs)} ms wall, ` +
    `graph ${steps[0]?.[1] ?? 0} → ${steps.at(-1)?.[1] ?? 0} screens in ${formatNumber(growthMs)} ms over ${steps.length} DOM updates, ` +
    `long tasks ${g.count} (longest ${formatNumber(g.longest)} ms, blocking ${formatNumber(g.blocking)} ms), ` +
    `main thread ${formatNumber(w.live.mainThreadMs)} ms (script ${formatNumber(w.live.scriptMs)}, style+layout ${formatNumber(w.live.styleLayoutMs)}); ` +
    `new tab shown at ${formatNumber(w.newTab.probe.shownAt)} ms (first screen ${formatNumber(w.newTab.probe.firstScreenAt)} ms; ` +
    `main thread ${formatNumber(w.newTab.mainThreadMs)} ms, script ${formatNumber(w.newTab.scriptMs)}, style+layout ${formatNumber(w.newTab.styleLayoutMs)}), ` +
    `reload ${formatNumber(w.reload.probe.shownAt)} ms; ` +
    `${w.newTab.counters.elements} elements (${w.newTab.counters.svgElements} in the graph), heap ${(w.newTab.counters.heapUsed / 1e6).toFixed(1)} MB`
  );
}

function record(markdown: string): void {
  log(`recorded into ${recordInBenchmarks("browser", markdown)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      reps: { type: "string" },
      screens: { type: "string" },
      "page-delay-ms": { type: "string" },
      "admin-url": { type: "string" },
      "cpu-profile": { type: "boolean" },
      record: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    log(usage);
    return;
  }
  const int = (raw: string | undefined, fallback: number, min: number, max: number, name: string) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in ${min}..${max}`);
    return n;
  };
  const reps = int(values.reps, 3, 1, 50, "--reps");
  const screens = int(values.screens, 200, 1, 200, "--screens");
  const pageDelayMs = int(values["page-delay-ms"], 20, 0, 5_000, "--page-delay-ms");
  const adminUrl =
    values["admin-url"] ?? process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

  const buildId = `${repoRoot}.next/BUILD_ID`;
  if (!existsSync(buildId)) throw new Error("no production build: run `npm run build` first");
  log(`screen graph browser bench, ${reps} repetitions, ${screens} screens, pageDelayMs ${pageDelayMs}`);
  log(`build: .next of ${statSync(buildId).mtime.toISOString()} (rebuild after changing src/app)`);
  const loadAtStart = loadAverage();
  log(`load average: ${loadAtStart} (other work on the machine skews every figure)`);

  let site: Site | undefined;
  let database: BenchDatabase | undefined;
  let server: ApiServer | undefined;
  let browser: Browser | undefined;
  let client: RunsClient | undefined;
  const t0 = performance.now();
  try {
    site = await serveSite();
    database = await createBenchDatabase(adminUrl, "browser");
    const serverEnv = {
      SERVE_PAGES: "true",
      CRAWL_ALLOWED_ORIGINS: site.origin,
      LOG_LEVEL: "warn",
      SHUTDOWN_GRACE_MS: "0",
      NEW_SESSIONS_PER_MINUTE_PER_ADDRESS: "10000",
      NEW_SESSIONS_BURST_PER_ADDRESS: "10000",
    };
    server = await startApiServer({ databaseUrl: database.url, env: serverEnv });
    log(`site: ${site.pageCount} pages at ${site.origin}; server: ${server.url}`);
    const launchOptions = existsSync(CHROMIUM)
      ? {
          executablePath: CHROMIUM,
          args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        }
      : {};
    browser = await chromium.launch(launchOptions);
    log(
      `browser: Chromium ${browser.version()}, headless, ${devices["Desktop Chrome"].viewport.width}×${devices["Desktop Chrome"].viewport.height}`,
    );
    const context = await browser.newContext({ ...devices["Desktop Chrome"], baseURL: server.url });
    // A page request gives the context its session; runs started with its cookie are the page's to see.
    await context.request.get(server.url);
    const cookie = (await context.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join("; ");
    client = createRunsClient({ url: server.url, headers: { cookie } });
    const trpc = client.trpc;
    const startScreens = () =>
      trpc.run.start.mutate({
        plan: "screens",
        input: { startUrl: site!.startUrl, maxScreens: screens, maxDepth: 5, pageDelayMs },
      });
    const startCanonical = () => trpc.run.start.mutate({ appPath: "/bench/browser", stepDelayMs: 0 });

    // Warm-up, not measured: the server's first page renders, the browser's cache of the page's scripts.
    await watchRun(context, client, server.url, startCanonical, 0);
    const ours: Watched[] = [];
    const base: Watched[] = [];
    for (let rep = 1; rep <= reps; rep += 1) {
      log(`\nrepetition ${rep}/${reps}`);
      // Alternating which goes first, so a slow patch of the machine does not hit one side only.
      const screensRun = () =>
        watchRun(
          context,
          client!,
          server!.url,
          startScreens,
          screens,
          rep === 1 ? (page) => saveScreenshots(page, screens) : undefined,
        );
      const canonicalRun = () => watchRun(context, client!, server!.url, startCanonical, 0);
      if (rep % 2 === 1) {
        base.push(await canonicalRun());
        ours.push(await screensRun());
      } else {
        ours.push(await screensRun());
        base.push(await canonicalRun());
      }
      log(describeWatch("screens  ", ours.at(-1)!));
      log(describeWatch("canonical", base.at(-1)!));
    }
    if (values["cpu-profile"]) await profileRun(browser, context, server.url, startScreens, screens);

    const rows: Row[] = figures(ours, base, screens).map(toRow);
    log("");
    for (const row of rows) log(describeRow(row));
    const elapsed = (performance.now() - t0) / 1000;
    const load = `load average ${loadAtStart} at start, ${loadAverage()} at the end (2 would mean both cores busy)`;
    const table = markdownTable(rows);
    log(`\n${table}\n\ntook ${elapsed.toFixed(0)} s; ${load}`);

    const cpu = os.cpus();
    const stamp = new Date().toISOString();
    const crawl = `${site.pageCount}-page generated site, maxScreens ${screens}, maxDepth 5, pageDelayMs ${pageDelayMs}`;
    const markdown = [
      `Recorded ${stamp.slice(0, 10)} by \`npm run bench:browser -- ${process.argv.slice(2).join(" ")}\` ` +
        `(medians of ${reps} repetitions, ${elapsed.toFixed(0)} s).`,
      "",
      `- Machine: ${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${os.type()} ${os.release()}; Node ${process.version}; ` +
        `Chromium ${browser.version()} headless, 1280×720`,
      `- Screens run: ${crawl}; ${formatNumber(median(ours.map((w) => w.newTab.counters.svgElements)))} SVG elements in the graph`,
      `- Machine load: ${load}`,
      "",
      table,
    ].join("\n");
    mkdirSync(`${repoRoot}bench/results`, { recursive: true });
    writeFileSync(`${repoRoot}bench/results/browser-latest.md`, `${markdown}\n`);
    writeFileSync(
      `${repoRoot}bench/results/browser-latest.json`,
      `${JSON.stringify({ recordedAt: stamp, reps, screens, pageDelayMs, elapsedSeconds: elapsed, rows, ours, baseline: base }, null, 2)}\n`,
    );
    if (values.record) record(markdown);
  } finally {
    await client?.close();
    await browser?.close();
    await server?.stop();
    await database?.drop();
    await site?.close();
  }
}

main().then(
  () => {
    killChildren();
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(
      `bench:browser failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    killChildren();
    process.exit(1);
  },
);
