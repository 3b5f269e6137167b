// The live runs command line: start, watch, cancel and list runs on a server.
//   npm run runs -- <command> [options]      (see `npm run runs -- help`)
import { parseArgs } from "node:util";
import { TRPCClientError } from "@trpc/client";
import { createRunsClient, type RunEvent, type RunsClient, type RunStartInput } from "@live-runs/client";
import { CANONICAL_PLAN } from "../shared/canonical-plan";
import { formatEvent, formatRunRow, NodeProgress, RUN_TABLE_HEADER } from "./render";

/** Exit codes: what a script calling `runs watch` can branch on. */
export const EXIT = { succeeded: 0, failed: 1, usage: 2, cancelled: 3, error: 4 } as const;

const USAGE = `usage: runs <command> [--url URL] [--token TOKEN]
  start [--app-path PATH] [--step-delay MS] [--watch]   start a run of the canonical plan (and watch it)
  start --plan NAME [--input JSON] [--watch]            start a run of another plan with its input
  plans                                                 the server's plans: name, steps, title
  watch <runId>                                         live timeline; exit 0 succeeded, 1 failed, 3 cancelled
  cancel <runId>                                        cancel a run, print its final state
  list [--limit N] [--cursor C]                         recent runs, newest first
The server URL defaults to $LIVE_RUNS_URL or http://127.0.0.1:3000; the API token (npm run tokens) to $LIVE_RUNS_TOKEN.`;

class UsageError extends Error {}

const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string", default: process.env.LIVE_RUNS_URL ?? "http://127.0.0.1:3000" },
      token: { type: "string", default: process.env.LIVE_RUNS_TOKEN },
      "app-path": { type: "string" },
      "step-delay": { type: "string" },
      plan: { type: "string" },
      input: { type: "string" },
      watch: { type: "boolean", default: false },
      limit: { type: "string" },
      cursor: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, runId] = positionals;
  if (values.help || !command || command === "help") {
    out(USAGE);
    return command || values.help ? EXIT.succeeded : EXIT.usage;
  }
  const needsRunId = () => {
    if (!runId) throw new UsageError(`${command} needs a run id`);
    return runId;
  };
  const jsonObject = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new UsageError(`--${name} must be JSON`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--${name} must be a JSON object`);
    }
    return parsed as Record<string, unknown>;
  };
  const integer = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
    return Number(value);
  };

  let connection = "connecting";
  const client = createRunsClient({
    url: values.url,
    ...(values.token ? { token: values.token } : {}),
    onOpen: () => (connection = "live"),
    onClose: () => (connection = connection === "ended" ? "ended" : "reconnecting"),
  });
  try {
    switch (command) {
      case "start": {
        const stepDelayMs = integer("step-delay", values["step-delay"]);
        const input = jsonObject("input", values.input);
        const canonical = values.plan === undefined || values.plan === CANONICAL_PLAN;
        if (canonical && input)
          throw new UsageError("the canonical plan takes --app-path and --step-delay, not --input");
        if (!canonical && (values["app-path"] !== undefined || stepDelayMs !== undefined)) {
          throw new UsageError("--app-path and --step-delay are the canonical plan's; other plans take --input");
        }
        const run = await client.trpc.run.start.mutate(
          canonical
            ? {
                ...(values["app-path"] !== undefined ? { appPath: values["app-path"] } : {}),
                ...(stepDelayMs !== undefined ? { stepDelayMs } : {}),
              }
            : // Any plan the server has, not only those this CLI was compiled with: the server checks the input.
              ({ plan: values.plan, ...(input ? { input } : {}) } as RunStartInput),
        );
        out(run.id);
        return values.watch ? await watch(client, run.id, () => connection) : EXIT.succeeded;
      }
      case "watch":
        return await watch(client, needsRunId(), () => connection);
      case "plans": {
        for (const plan of await client.trpc.run.plans.query()) {
          out(`${plan.name.padEnd(16)} ${plan.steps.join(" → ")}  (${plan.title})`);
        }
        return EXIT.succeeded;
      }
      case "cancel": {
        const run = await client.trpc.run.cancel.mutate({ runId: needsRunId() });
        out(`${run.id} ${run.status}`);
        return EXIT.succeeded;
      }
      case "list": {
        const limit = integer("limit", values.limit);
        const page = await client.trpc.run.list.query({
          ...(limit !== undefined ? { limit } : {}),
          ...(values.cursor ? { cursor: values.cursor } : {}),
        });
        out(RUN_TABLE_HEADER);
        for (const run of page.items) out(formatRunRow(run));
        if (page.nextCursor) out(`next page: --cursor ${page.nextCursor}`);
        return EXIT.succeeded;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    connection = "ended";
    await client.close();
  }
}

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
  return new Promise((resolve, reject) => {
    let last: RunEvent | null = null;
    client.trpc.run.events.subscribe(
      { runId },
      {
        onData: ({ data: event }) => {
          if (interactive) process.stdout.write("\r\x1b[2K");
          out(formatEvent(event, previousTs));
          previousTs = event.ts;
          last = event;
          progress.add(event);
          if (interactive) process.stdout.write(status());
        },
        onComplete: () => {
          if (interactive) process.stdout.write("\r\x1b[2K");
          const outcome = last?.status ?? "unknown";
          out(`${progress.bar()}  ${outcome}${last?.reason ? ` (${last.reason})` : ""}`);
          resolve(outcome === "succeeded" ? EXIT.succeeded : outcome === "cancelled" ? EXIT.cancelled : EXIT.failed);
        },
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
  if (!(error instanceof TRPCClientError)) return String(error);
  if (isUnreachable(error)) return `cannot reach the server (${error.message}); check --url or LIVE_RUNS_URL`;
  const data = error.data as { code: string; issues?: { path: PropertyKey[]; message: string }[] };
  // Refused input: one short line per issue, not the validator's JSON.
  if (Array.isArray(data.issues) && data.issues.length > 0) {
    const issues = data.issues.map((issue) => `  ${issue.path.map(String).join(".") || "input"}: ${issue.message}`);
    return [`${data.code}: invalid input`, ...issues].join("\n");
  }
  return `${data.code}: ${error.message}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`runs: ${describeError(error)}\n`);
    process.exit(EXIT.error);
  },
);
