// The live runs command line: start, watch, read, cancel and list runs on a server.
//   npm run runs -- <command> [options]      (see `npm run runs -- help`)
// One file: a command each, sharing the client, the output helpers and the exit codes; parsing is
// in command-line.ts and formatting in render.ts.
import { TRPCClientError } from "@trpc/client";
import { createRunsClient, type Run, type RunEvent, type RunsClient, type RunStartInput } from "@live-runs/client";
import { CANONICAL_PLAN } from "../shared/canonical-plan";
import { RUN_STATUSES, type RunStatus } from "../shared/run-status";
import { parseCommandLine, UsageError, type CommandSpec } from "./command-line";
import { formatEvent, formatRunDetails, formatRunRow, NodeProgress, RUN_TABLE_HEADER } from "./render";

/** Exit codes: what a script calling the CLI can branch on. */
export const EXIT = { succeeded: 0, failed: 1, usage: 2, cancelled: 3, error: 4 } as const;

const COMMANDS: Record<string, CommandSpec> = {
  start: {
    synopsis: "start [--plan NAME] [--input JSON] [--app-path PATH] [--step-delay MS] [--watch] [--json]",
    help: `Starts a run and prints its id (--json: the Run). The canonical plan (the default) takes
--app-path and --step-delay; any other plan (see \`plans\`) takes --input, a JSON object the server
checks against the plan. --watch then follows it as \`watch\` does, and exits as \`watch\` does.`,
    options: ["plan", "input", "app-path", "step-delay", "watch"],
    positionals: 0,
  },
  watch: {
    synopsis: "watch RUN_ID [--json]",
    help: `Prints the run's timeline as it happens (from its first event), with a progress bar, until it
finishes; resumes by itself after a dropped connection (for up to a minute). Exit 0 when the run
succeeded, 1 when it failed, 3 when it was cancelled. --json prints nothing until then, and then
the finished Run.`,
    options: [],
    positionals: 1,
  },
  get: {
    synopsis: "get RUN_ID [--json]",
    help: "Prints a run's state: status, plan, input, times, event count, output.",
    options: [],
    positionals: 1,
  },
  cancel: {
    synopsis: "cancel RUN_ID [--json]",
    help: `Cancels a run and prints its id and status as they then stand (--json: the Run). A finished
run is left as it is.`,
    options: [],
    positionals: 1,
  },
  list: {
    synopsis: "list [--limit N] [--cursor C] [--status STATUS] [--plan NAME] [--json]",
    help: `Lists your runs, newest first, --limit (1..100, default 20) at a time; the next page's cursor
is printed last (--json: {"items": Run[], "nextCursor": string | null}). --plan and --status
(${RUN_STATUSES.join(", ")}) filter.`,
    options: ["limit", "cursor", "status", "plan"],
    positionals: 0,
  },
  plans: {
    synopsis: "plans [--json]",
    help: "Lists the server's plans: name, steps and title (--json: with description and input JSON Schema).",
    options: [],
    positionals: 0,
  },
};

const USAGE = `usage: runs <command> [options]          (npm run runs -- <command> [options])
  start [--app-path PATH] [--step-delay MS] [--watch]   start a run of the canonical plan (and watch it)
  start --plan NAME [--input JSON] [--watch]            start a run of another plan with its input
  watch RUN_ID                                          live timeline until the run finishes
  get RUN_ID                                            a run's state
  cancel RUN_ID                                         cancel a run, print its final state
  list [--limit N] [--cursor C] [--status S] [--plan P] your runs, newest first
  plans                                                 the server's plans: name, steps, title
  help [COMMAND]                                        this, or a command's own help (or COMMAND --help)
Every command takes:
  --url URL       the server; default $LIVE_RUNS_URL, else http://127.0.0.1:3000
  --token TOKEN   API token; default $LIVE_RUNS_TOKEN (npm run tokens, or the one npm run dev prints)
  --json          one JSON document on stdout instead of text (errors stay on stderr)
Exit codes: 0 done (a watched run succeeded), 1 a watched run failed, 2 bad usage,
  3 a watched run was cancelled, 4 any other error (refused input, unknown run, no or bad token,
  server unreachable: within 10 s).`;

const OPTIONS = {
  url: { type: "string", common: true },
  token: { type: "string", common: true },
  json: { type: "boolean", common: true },
  "app-path": { type: "string" },
  "step-delay": { type: "string" },
  plan: { type: "string" },
  input: { type: "string" },
  watch: { type: "boolean" },
  limit: { type: "string" },
  cursor: { type: "string" },
  status: { type: "string" },
} as const;

const out = (line: string) => process.stdout.write(`${line}\n`);
const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("runs", argv, COMMANDS, OPTIONS, USAGE);
  if (parsed.kind === "help") {
    out(parsed.text);
    return EXIT.succeeded;
  }
  const { command, args, values } = parsed;
  const usage = `usage: runs ${COMMANDS[command]!.synopsis}`;
  const text = (name: string) => values[name] as string | undefined;
  const json = values.json === true;
  const runIdArg = () => {
    if (!args[0]) throw new UsageError(`${command} needs a run id`, usage);
    return args[0];
  };
  const jsonObject = (name: string) => {
    const value = text(name);
    if (value === undefined) return undefined;
    let parsedValue: unknown;
    try {
      parsedValue = JSON.parse(value);
    } catch {
      throw new UsageError(`--${name} must be JSON`, usage);
    }
    if (typeof parsedValue !== "object" || parsedValue === null || Array.isArray(parsedValue)) {
      throw new UsageError(`--${name} must be a JSON object`, usage);
    }
    return parsedValue as Record<string, unknown>;
  };
  const integer = (name: string) => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`, usage);
    return Number(value);
  };

  // Checked before connecting: a usage mistake answers at once, whatever the server.
  const runId = COMMANDS[command]!.positionals === 1 ? runIdArg() : "";
  const limit = integer("limit");
  const stepDelayMs = integer("step-delay");
  const input = jsonObject("input");
  const status = text("status");
  if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of ${RUN_STATUSES.join(", ")}`, usage);
  }
  const canonical = command === "start" && (values.plan === undefined || values.plan === CANONICAL_PLAN);
  if (canonical && input)
    throw new UsageError("the canonical plan takes --app-path and --step-delay, not --input", usage);
  if (command === "start" && !canonical && (values["app-path"] !== undefined || stepDelayMs !== undefined)) {
    throw new UsageError("--app-path and --step-delay are the canonical plan's; other plans take --input", usage);
  }

  let connection = "connecting";
  const client = createRunsClient({
    url: text("url") ?? process.env.LIVE_RUNS_URL ?? "http://127.0.0.1:3000",
    ...((text("token") ?? process.env.LIVE_RUNS_TOKEN) ? { token: text("token") ?? process.env.LIVE_RUNS_TOKEN } : {}),
    onOpen: () => (connection = "live"),
    onClose: () => (connection = connection === "ended" ? "ended" : "reconnecting"),
  });
  const follow = (id: string) => (json ? watchQuietly(client, id) : watch(client, id, () => connection));
  try {
    switch (command) {
      case "start": {
        const run = await client.trpc.run.start.mutate(
          canonical
            ? {
                ...(values["app-path"] !== undefined ? { appPath: text("app-path") } : {}),
                ...(stepDelayMs !== undefined ? { stepDelayMs } : {}),
              }
            : // Any plan the server has, not only those this CLI was compiled with: the server checks the input.
              ({ plan: values.plan, ...(input ? { input } : {}) } as RunStartInput),
        );
        if (values.watch) {
          if (!json) out(run.id);
          return await follow(run.id);
        }
        if (json) printJson(run);
        else out(run.id);
        return EXIT.succeeded;
      }
      case "watch":
        return await follow(runId);
      case "get": {
        const run = await client.trpc.run.get.query({ runId });
        if (json) printJson(run);
        else out(formatRunDetails(run));
        return EXIT.succeeded;
      }
      case "plans": {
        const plans = await client.trpc.run.plans.query();
        if (json) printJson(plans);
        else for (const plan of plans) out(`${plan.name.padEnd(16)} ${plan.steps.join(" → ")}  (${plan.title})`);
        return EXIT.succeeded;
      }
      case "cancel": {
        const run = await client.trpc.run.cancel.mutate({ runId });
        if (json) printJson(run);
        else out(`${run.id} ${run.status}`);
        return EXIT.succeeded;
      }
      default: {
        const page = await client.trpc.run.list.query({
          ...(limit !== undefined ? { limit } : {}),
          ...(values.cursor ? { cursor: text("cursor") } : {}),
          ...(status ? { status: status as RunStatus } : {}),
          ...(values.plan ? { plan: text("plan") } : {}),
        });
        if (json) {
          printJson(page);
          return EXIT.succeeded;
        }
        out(RUN_TABLE_HEADER);
        for (const run of page.items) out(formatRunRow(run));
        if (page.nextCursor) out(`next page: --cursor ${page.nextCursor}`);
        return EXIT.succeeded;
      }
    }
  } finally {
    connection = "ended";
    await client.close();
  }
}

const exitCodeOf = (status: Run["status"] | undefined) =>
  status === "succeeded" ? EXIT.succeeded : status === "cancelled" ? EXIT.cancelled : EXIT.failed;

/** Prints the timeline as it arrives with a progress line; resolves with the exit code of the outcome. */
async function watch(client: RunsClient, runId: string, connection: () => string): Promise<number> {
  const interactive = process.stdout.isTTY === true;
  // The bar counts against the run's plan's steps; if they cannot be read, against the nodes seen
  // (an unknown run is then reported by the subscription itself).
  const steps = await planSteps(client, runId).catch((error: unknown) => {
    if (isUnreachable(error)) throw error; // exit 4 now, not after the WebSocket's own timeout
    return undefined;
  });
  const progress = new NodeProgress(steps);
  let previousTs: number | null = null;
  const status = () => `${progress.bar()}  ${connection()}`;
  const last = await followEvents(client, runId, (event) => {
    if (interactive) process.stdout.write("\r\x1b[2K");
    out(formatEvent(event, previousTs));
    previousTs = event.ts;
    progress.add(event);
    if (interactive) process.stdout.write(status());
  });
  if (interactive) process.stdout.write("\r\x1b[2K");
  out(`${progress.bar()}  ${last?.status ?? "unknown"}${last?.reason ? ` (${last.reason})` : ""}`);
  return exitCodeOf(last?.status);
}

/** `watch --json`: waits for the run to finish, then prints it as it stands. */
async function watchQuietly(client: RunsClient, runId: string): Promise<number> {
  // Read first: an unknown run or an unreachable server answers now, not after the WebSocket's timeout.
  await client.trpc.run.get.query({ runId });
  await followEvents(client, runId, () => {});
  const run = await client.trpc.run.get.query({ runId });
  printJson(run);
  return exitCodeOf(run.status);
}

/** Subscribes to the run's events until it finishes; resolves with its last event (its RunFinished). */
function followEvents(client: RunsClient, runId: string, onEvent: (event: RunEvent) => void): Promise<RunEvent | null> {
  return new Promise((resolve, reject) => {
    let last: RunEvent | null = null;
    client.trpc.run.events.subscribe(
      { runId },
      {
        onData: ({ data: event }) => {
          last = event;
          onEvent(event);
        },
        onComplete: () => resolve(last),
        onError: reject,
      },
    );
  });
}

/** The steps of the run's plan, from run.plans; undefined for a plan the server does not describe. */
async function planSteps(client: RunsClient, runId: string): Promise<string[] | undefined> {
  const [run, plans] = await Promise.all([client.trpc.run.get.query({ runId }), client.trpc.run.plans.query()]);
  return plans.find((plan) => plan.name === run.plan)?.steps;
}

/** No error code: the request never got an answer from a live runs server. */
const isUnreachable = (error: unknown) =>
  error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === undefined;

function describeError(error: unknown): string {
  if (!(error instanceof TRPCClientError)) return error instanceof Error ? error.message : String(error);
  if (isUnreachable(error)) return `cannot reach the server (${error.message}); check --url or LIVE_RUNS_URL`;
  const data = error.data as { code: string; issues?: { path: PropertyKey[]; message: string }[] };
  // Refused input: one short line per issue, not the validator's JSON.
  if (Array.isArray(data.issues) && data.issues.length > 0) {
    const issues = data.issues.map((issue) => `  ${issue.path.map(String).join(".") || "input"}: ${issue.message}`);
    return [`${data.code}: invalid input`, ...issues].join("\n");
  }
  if (data.code === "UNAUTHORIZED") {
    return `${data.code}: ${error.message} (pass --token or set LIVE_RUNS_TOKEN: npm run tokens, or the token npm run dev prints)`;
  }
  return `${data.code}: ${error.message}`;
}

/** Exits once everything written to stdout is flushed (a pipe may still hold a long JSON document). */
const exit = (code: number) => process.stdout.write("", () => process.exit(code));

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${error.usage}\n`);
    exit(EXIT.usage);
    return;
  }
  process.stderr.write(`runs: ${describeError(error)}\n`);
  exit(EXIT.error);
});
