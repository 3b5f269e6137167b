import { existsSync, statSync } from "node:fs";
import { chromium, devices, type Browser, type Cookie, type Page } from "@playwright/test";
import { createRunsClient, type RunsClient } from "@live-runs/client";
import { awaitCondition } from "../../test/support/await";
import {
  awaitLive,
  awaitProbe,
  longTasksAfter,
  openProbedTab,
  statedEventCount,
  timelineCounters,
  within,
  type ProbeOutcome,
  type TimelineCounters,
} from "../browser/timeline-page";
import { createBenchDatabase, type BenchDatabase } from "../lib/database";
import type { BenchOptions } from "../lib/options";
import { repoRoot, startApiServer, type ApiServer } from "../lib/processes";
import type { Figure } from "../lib/report";
import { median } from "../lib/stats";
import { insertTimelineRun, startLiveRun } from "../lib/timeline-fixture";
import { log, type SectionResult } from "./common";

const CHROMIUM = "/usr/bin/chromium";
/** How long a shown `?seq=` row may stay unmarked before the page is taken to have no deep links. */
const UNMARKED_GRACE_MS = 3_000;
/** How long a frozen page gets to answer the counters once a look is over. */
const COUNTERS_MS = 20_000;
const COUNTERS_AFTER_CAP_MS = 5_000;

/** The goals of issue 15, on this 2-core machine. */
const GOALS = { tailMs: 1_000, elements: 3_000, heapMB: 100, storageKB: 500, longTaskMs: 100 };

interface TailLook {
  outcome: ProbeOutcome;
  crashed: boolean;
  counters: TimelineCounters;
}

interface DeepLook {
  outcome: ProbeOutcome;
  crashed: boolean;
}

type LiveOptions = BenchOptions["timeline"]["live"];

interface LiveLook {
  outcome: ProbeOutcome;
  lastSeq: number;
  stated: number | null;
  /** Events per second the bench wrote over the stream. */
  appendRate: number;
  longest: number;
  over100: number;
}

/** Drives one browser against one server: every look in a fresh context (a new visitor's tab) with the bench's session. */
class Looks {
  constructor(
    private readonly browser: Browser,
    private readonly baseUrl: string,
    private readonly cookies: Cookie[],
  ) {}

  private async tab(target: { seq: number; highlight: boolean }) {
    const context = await this.browser.newContext({ ...devices["Desktop Chrome"], baseURL: this.baseUrl });
    await context.addCookies(this.cookies);
    const tab = await openProbedTab(context, target, log);
    // A frozen renderer may not answer a close: the context goes, and the bench goes on regardless.
    const close = () => within(context.close(), 10_000, undefined);
    return { ...tab, close };
  }

  private async open(page: Page, path: string, capMs: number) {
    const startedAt = performance.now();
    // "commit": the probe times the rest from the document's own navigation start.
    await within(page.goto(path, { waitUntil: "commit" }), capMs, null);
    return startedAt;
  }

  /** Opens the run in a new tab until the row of `lastSeq` is rendered; then its counters. */
  async tail(runId: string, lastSeq: number, capMs: number): Promise<TailLook> {
    const tab = await this.tab({ seq: lastSeq, highlight: false });
    try {
      const startedAt = await this.open(tab.page, `/runs/${runId}`, capMs);
      const outcome = await awaitProbe(tab.page, startedAt, capMs);
      // Counted once the page has hydrated and read what it reads (a finished run's page says "Ended"),
      // not at the server-rendered first paint.
      if (!outcome.capped) await awaitLive(tab.page, COUNTERS_MS, ["Live", "Ended"]);
      const counters = await timelineCounters(tab.page, tab.cdp, outcome.capped ? COUNTERS_AFTER_CAP_MS : COUNTERS_MS);
      return { outcome, crashed: tab.crashed(), counters };
    } finally {
      await tab.close();
    }
  }

  /** Opens `/runs/<id>?seq=<seq>` in a new tab until the row of `seq` is rendered and marked. */
  async deepLink(runId: string, seq: number, capMs: number): Promise<DeepLook> {
    const tab = await this.tab({ seq, highlight: true });
    try {
      const startedAt = await this.open(tab.page, `/runs/${runId}?seq=${seq}`, capMs);
      const outcome = await awaitProbe(tab.page, startedAt, capMs, UNMARKED_GRACE_MS);
      return { outcome, crashed: tab.crashed() };
    } finally {
      await tab.close();
    }
  }

  /**
   * Opens a live run in a new tab, streams it once the page says Live (hydrated and
   * subscribed), and waits for its last row; long tasks count from the stream's start.
   */
  async live(db: BenchDatabase, ownerId: string, input: LiveOptions, capMs: number): Promise<LiveLook> {
    const run = await startLiveRun(db.sql, ownerId, input.events);
    const tab = await this.tab({ seq: run.lastSeq, highlight: false });
    try {
      const startedAt = await this.open(tab.page, `/runs/${run.runId}`, capMs);
      const streamFrom = await awaitLive(tab.page, capMs);
      const streamed = await run.stream(input.eventsPerSecond);
      const outcome = await awaitProbe(tab.page, startedAt, performance.now() - startedAt + capMs / 2);
      const stated = await statedEventCount(tab.page, COUNTERS_MS);
      const probe = outcome.probe;
      const tasks = probe
        ? longTasksAfter(probe.longTasks, streamFrom ?? 0, probe.doneAt ?? Infinity, GOALS.longTaskMs)
        : { longest: Number.NaN, over: Number.NaN };
      return {
        outcome,
        lastSeq: run.lastSeq,
        stated,
        appendRate: streamed.rate,
        longest: tasks.longest,
        over100: tasks.over,
      };
    } finally {
      await tab.close();
    }
  }
}

/** Time to the row, or the cap when it never came (the figure then says so in words). */
const tailMs = (look: TailLook, capMs: number) =>
  look.outcome.capped || look.outcome.probe?.rowAt == null ? capMs : look.outcome.probe.rowAt;

function tailText(looks: TailLook[], capMs: number): string | undefined {
  if (looks.some((l) => l.crashed)) return "page crashed";
  if (looks.some((l) => l.outcome.capped)) return `> ${capMs / 1000} s (cap)`;
  return undefined;
}

function deepText(looks: DeepLook[], seq: number, capMs: number): string | undefined {
  if (looks.some((l) => l.crashed)) return "page crashed";
  const unmarked = looks.find((l) => l.outcome.unmarked);
  if (unmarked)
    return `not supported (row #${seq} shown at ${Math.round(unmarked.outcome.probe!.rowAt!)} ms, never highlighted)`;
  if (looks.some((l) => l.outcome.capped)) return `> ${capMs / 1000} s (cap), row #${seq} not highlighted`;
  return undefined;
}

const deepMs = (look: DeepLook, capMs: number) =>
  look.outcome.unmarked ? Number.NaN : look.outcome.capped ? capMs : look.outcome.probe!.highlightAt!;

const fmt = (n: number) => n.toLocaleString("en-US");

function describeTail(label: string, look: TailLook): string {
  const p = look.outcome.probe;
  const c = look.counters;
  return (
    `  ${label}: tail ${look.outcome.capped ? "not shown (cap)" : `shown at ${Math.round(p?.rowAt ?? Number.NaN)} ms`}` +
    `${p?.rowInViewport ? " in view" : " (below the fold)"}, first row ${Math.round(p?.firstRowAt ?? Number.NaN)} ms; ` +
    `${fmt(c.elements)} elements, heap ${(c.heapUsed / 1e6).toFixed(1)} MB, session storage ${(c.sessionStorage / 1e3).toFixed(0)} KB; ` +
    `long tasks ${p?.longTasks.length ?? "?"} (longest ${Math.round(Math.max(0, ...(p?.longTasks.map(([, d]) => d) ?? [])))} ms)`
  );
}

/**
 * The run page with long and fast runs (issue 15), in Chromium against the production build:
 * finished runs of each size opened in a new tab (tail, DOM, heap, session storage, `?seq=` in
 * the middle), and a live run appending ~1,000 events/s watched as it streams; the canonical
 * 13-event run's page measured the same way in the same run is the baseline.
 */
export async function timelineSection(options: BenchOptions): Promise<SectionResult> {
  const { sizes, reps, baselineReps, capMs, live } = options.timeline;
  const buildId = `${repoRoot}.next/BUILD_ID`;
  if (!existsSync(buildId)) throw new Error("the timeline section needs a production build: run `npm run build` first");
  const build = statSync(buildId).mtime.toISOString();
  log(`  build: .next of ${build} (rebuild after changing src/app)`);

  const db = await createBenchDatabase(options.adminUrl, "timeline");
  let server: ApiServer | undefined;
  let browser: Browser | undefined;
  let client: RunsClient | undefined;
  try {
    server = await startApiServer({
      databaseUrl: db.url,
      env: {
        ...options.serverEnv,
        // The live run's events are written by the bench, not appended by this server: its poller
        // finds them within 10 ms, as it would be woken by an append.
        OUTBOX_POLL_MS: "10",
        SERVE_PAGES: "true",
        LOG_LEVEL: "warn",
        SHUTDOWN_GRACE_MS: "0",
        NEW_SESSIONS_PER_MINUTE_PER_ADDRESS: "10000",
        NEW_SESSIONS_BURST_PER_ADDRESS: "10000",
      },
    });
    browser = await chromium.launch(
      existsSync(CHROMIUM)
        ? {
            executablePath: CHROMIUM,
            args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
          }
        : {},
    );
    const viewport = devices["Desktop Chrome"].viewport;
    log(
      `  browser: Chromium ${browser.version()}, headless, ${viewport.width}×${viewport.height}; server ${server.url}`,
    );

    // One session for every look: a page request gives it its cookie; runs of its owner are its to see.
    const sessionContext = await browser.newContext({ baseURL: server.url });
    await sessionContext.request.get(server.url);
    const cookies = await sessionContext.cookies(server.url);
    await sessionContext.close();
    client = createRunsClient({
      url: server.url,
      headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") },
    });
    const trpc = client.trpc;
    const looks = new Looks(browser, server.url, cookies);

    // The canonical run (stepDelayMs 0, 13 events), finished; its owner is the session's.
    const canonical = await trpc.run.start.mutate({ appPath: "/bench/timeline", stepDelayMs: 0 });
    await awaitCondition(
      async () => (await trpc.run.get.query({ runId: canonical.id })).status === "succeeded",
      "the canonical run to succeed",
      30_000,
    );
    const [{ owner_id: ownerId } = { owner_id: "" }] = await db.sql<{ owner_id: string }[]>`
      select owner_id from runs where id = ${canonical.id}`;

    // Warm-up, not measured: the server's first page renders.
    await looks.tail(canonical.id, 13, capMs);
    const base: TailLook[] = [];
    for (let rep = 1; rep <= baselineReps; rep += 1) {
      base.push(await looks.tail(canonical.id, 13, capMs));
      log(describeTail(`canonical, rep ${rep}`, base.at(-1)!));
    }
    const baseTail = base.map((l) => tailMs(l, capMs));
    const baseCounters = (pick: (c: TimelineCounters) => number) => base.map((l) => pick(l.counters));

    const figures: Figure[] = [];
    const common = { section: "timeline", ratioLabel: "× canonical", ratio: (o: number, b: number) => o / b };
    figures.push({
      section: "timeline",
      name: "time to show the canonical 13-event run, new tab (the baseline)",
      unit: "ms",
      ours: baseTail,
      goal: "(info)",
    });

    for (const size of sizes) {
      const started = performance.now();
      const runId = await insertTimelineRun(db.sql, ownerId, size);
      await db.sql`analyze run_events`;
      log(`  ${fmt(size)}-event run ${runId.slice(0, 8)} written in ${Math.round(performance.now() - started)} ms`);
      const mid = Math.ceil(size / 2);
      const tails: TailLook[] = [];
      const deeps: DeepLook[] = [];
      for (let rep = 1; rep <= reps; rep += 1) {
        tails.push(await looks.tail(runId, size, capMs));
        log(describeTail(`${fmt(size)} events, rep ${rep}`, tails.at(-1)!));
        // A page that cannot show the run's tail within the cap would not show its middle either:
        // the bench saves itself a second cap (today's page at 100,000 events).
        if (tails.at(-1)!.outcome.capped) {
          log(`  ${fmt(size)} events, ?seq=${mid}: not measured (the tail look hit the cap)`);
          continue;
        }
        deeps.push(await looks.deepLink(runId, mid, capMs));
        const deep = deeps.at(-1)!;
        log(
          `  ${fmt(size)} events, ?seq=${mid}: ${deepText([deep], mid, capMs) ?? `highlighted at ${Math.round(deep.outcome.probe!.highlightAt!)} ms${deep.outcome.probe!.rowInViewport ? " in view" : " (not in view)"}`}`,
        );
      }
      const counter = (pick: (c: TimelineCounters) => number) => tails.map((l) => pick(l.counters));
      const text = tailText(tails, capMs);
      // Counters of a look that hit its cap are of a page still loading: shown, but as such.
      const partial = text ? ` (at the cap, ${text})` : "";
      const label = `${fmt(size)}-event run`;
      figures.push(
        {
          ...common,
          name: `time until the tail (row #${fmt(size)}) is visible, ${label}, new tab`,
          unit: "ms",
          ours: tails.map((l) => tailMs(l, capMs)),
          ...(text ? { oursText: text } : {}),
          baselineName: "canonical run",
          baseline: baseTail,
          goal: `< ${fmt(GOALS.tailMs)} ms`,
          met: (o) => !text && o < GOALS.tailMs,
        },
        {
          ...common,
          name: `DOM elements once shown, ${label}${partial}`,
          unit: "",
          ours: counter((c) => c.elements),
          baselineName: "canonical run",
          baseline: baseCounters((c) => c.elements),
          goal: `< ${fmt(GOALS.elements)}`,
          met: (o) => o < GOALS.elements,
        },
        {
          ...common,
          name: `JS heap used after GC, ${label}${partial}`,
          unit: "MB",
          ours: counter((c) => c.heapUsed / 1e6),
          baselineName: "canonical run",
          baseline: baseCounters((c) => c.heapUsed / 1e6),
          goal: `< ${GOALS.heapMB} MB`,
          met: (o) => o < GOALS.heapMB,
        },
        {
          ...common,
          name: `session storage used, ${label}${partial}`,
          unit: "KB",
          ours: counter((c) => c.sessionStorage / 1e3),
          baselineName: "canonical run",
          baseline: baseCounters((c) => c.sessionStorage / 1e3),
          goal: `< ${GOALS.storageKB} KB`,
          met: (o) => o < GOALS.storageKB,
        },
        {
          ...common,
          name: `time to open ?seq=${fmt(mid)} until that row is visible and highlighted, ${label}`,
          unit: "ms",
          ours: deeps.map((l) => deepMs(l, capMs)),
          ...(deeps.length === 0
            ? { oursText: "not measured (the tail look hit the cap)" }
            : deepText(deeps, mid, capMs)
              ? { oursText: deepText(deeps, mid, capMs)! }
              : {}),
          baselineName: "canonical run, tail",
          baseline: baseTail,
          goal: "(info)",
        },
      );
    }

    log(`  live run: ${fmt(live.events)} traces at ${fmt(live.eventsPerSecond)}/s, streamed once the page says Live`);
    const liveLooks: LiveLook[] = [];
    for (let rep = 1; rep <= reps; rep += 1) {
      const look = await looks.live(db, ownerId, live, capMs);
      liveLooks.push(look);
      log(
        `  live, rep ${rep}: ${fmt(look.lastSeq)} events in the database, the page states ${look.stated ?? "none"}` +
          `${look.outcome.capped ? ", last row never shown (cap)" : `, last row shown at ${Math.round(look.outcome.probe!.rowAt!)} ms`}; ` +
          `written at ${Math.round(look.appendRate)}/s; long tasks while it streamed: longest ${Math.round(look.longest)} ms, ` +
          `${look.over100} over ${GOALS.longTaskMs} ms`,
      );
    }
    const liveCapped = liveLooks.some((l) => l.outcome.capped);
    const baseLongest = base.map((l) => Math.max(0, ...(l.outcome.probe?.longTasks.map(([, d]) => d) ?? [])));
    figures.push(
      {
        ...common,
        name: `longest task while a live run streams ~${fmt(live.eventsPerSecond)} events/s (stream start → last row shown)`,
        unit: "ms",
        ours: liveLooks.map((l) => l.longest),
        ...(liveCapped
          ? { oursText: `${fmt(Math.round(median(liveLooks.map((l) => l.longest))))} ms, last row never shown (cap)` }
          : {}),
        baselineName: "canonical page, whole look (hydration)",
        baseline: baseLongest,
        goal: `≤ ${GOALS.longTaskMs} ms`,
        met: (o) => !liveCapped && o <= GOALS.longTaskMs,
      },
      {
        section: "timeline",
        name: `long tasks over ${GOALS.longTaskMs} ms while it streams`,
        unit: "",
        ours: liveLooks.map((l) => l.over100),
        goal: "0",
        met: (o) => !liveCapped && o === 0,
      },
      {
        section: "timeline",
        name: "events the page states once the live run finished",
        unit: "",
        ours: liveLooks.map((l) => l.stated ?? Number.NaN),
        ...(liveLooks.some((l) => l.stated === null) ? { oursText: "none stated" } : {}),
        baselineName: "in the database",
        baseline: liveLooks.map((l) => l.lastSeq),
        ratioLabel: "× database",
        ratio: (o, b) => o / b,
        goal: "every event (= database)",
        met: (o, b) => !liveCapped && o === b,
      },
      {
        section: "timeline",
        name: "rate the live run was written at",
        unit: "events/s",
        ours: liveLooks.map((l) => l.appendRate),
        goal: "(info)",
      },
    );

    const notes = [
      `- Browser: Chromium ${browser.version()} headless, ${viewport.width}×${viewport.height}, every look a new context (no cache, no session storage)`,
      `- Server: the real one, \`NODE_ENV=production SERVE_PAGES=true OUTBOX_POLL_MS=10\`, production build of ${build}`,
      `- Runs: finished canonical-plan runs of ${sizes.map(fmt).join(", ")} events written into the tables (OpenApp emits all but 13 as DebugTrace with small data, ~4 ms apart); ` +
        `the live run has the same shape, its ${fmt(live.events)} traces written at ${fmt(live.eventsPerSecond)}/s in 20 ms batches once the page says Live (hydrated and subscribed), ` +
        `delivered by the server's outbox poller, NOTIFY, fan-out and subscription`,
      `- Repetitions: ${reps} per size and for the live run, ${baselineReps} for the canonical baseline; each look capped at ${capMs / 1000} s`,
    ];
    return { figures, notes };
  } finally {
    await client?.close();
    await browser?.close();
    await server?.stop();
    await db.drop();
  }
}
