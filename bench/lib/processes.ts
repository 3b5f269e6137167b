import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { spawnServer, type ServerProcess } from "../../test/support/spawn-server";
import type { ParentMessage, WorkerMessage } from "./protocol";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const tsxImport = ["--import", "tsx"];

// Every worker the bench forks, so that a failure or Ctrl-C never leaves one behind (spawnServer
// does the same for the servers).
const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.pid) child.kill("SIGKILL");
  children.clear();
}
process.once("exit", killChildren);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** CPU time (user + system) consumed so far by these processes, in seconds; gone processes count 0. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks / 100; // USER_HZ
}

let nextPort = 3300;
/** The next free port in 3300-3399 (the range this bench may use). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries += 1) {
    const port = nextPort;
    nextPort = nextPort >= 3399 ? 3300 : nextPort + 1;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port in 3300-3399");
}

export type ApiServer = ServerProcess;

/**
 * Starts an API-only live runs server (`src/server/main.ts`, or a bench variant of it) in its own
 * process on a port of the bench's range, and resolves once it is ready. Its warnings and errors
 * are copied to this process's stderr.
 */
export async function startApiServer(options: {
  databaseUrl: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  /** The server's entry module; the real one unless a bench variant is given. */
  entry?: string;
}): Promise<ApiServer> {
  return spawnServer({ ...options, port: await freePort(), logs: "echo-warnings", readyTimeoutMs: 120_000 });
}

export interface Worker<TResult> {
  pid: number;
  send(message: ParentMessage): void;
  /** Resolves on the next message of this type from the worker. */
  next<T extends WorkerMessage["type"]>(type: T): Promise<Extract<WorkerMessage, { type: T }>>;
  result: Promise<TResult>;
}

/** Forks a bench worker (bench/workers/<name>.ts) with its config; `result` settles when it reports. */
export function startWorker<TResult>(name: string, config: unknown): Worker<TResult> {
  const child = track(
    fork(`bench/workers/${name}.ts`, [], {
      cwd: repoRoot,
      // BENCH_PROFILE_WORKERS=1: CPU profiles of the client processes too (bench/results/profiles/workers/).
      execArgv: process.env.BENCH_PROFILE_WORKERS
        ? [...tsxImport, "--cpu-prof", `--cpu-prof-dir=bench/results/profiles/workers/${name}`]
        : tsxImport,
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  const waiting = new Map<string, ((message: WorkerMessage) => void)[]>();
  const early: WorkerMessage[] = [];
  const result = new Promise<TResult>((resolve, reject) => {
    child.on("message", (message: WorkerMessage) => {
      if (message.type === "result") resolve(message.data as TResult);
      else if (message.type === "error") reject(new Error(`worker ${name} failed: ${message.message}`));
      const queue = waiting.get(message.type);
      const waiter = queue?.shift();
      if (waiter) waiter(message);
      else early.push(message);
    });
    // A worker exits right after sending its result, and a large result can still be in the IPC
    // channel when the exit is seen: it has not failed to report until the channel is closed too.
    child.once("exit", (code) => {
      const failed = () => reject(new Error(`worker ${name} exited with ${code} before reporting`));
      if (child.connected) child.once("disconnect", failed);
      else setImmediate(failed);
    });
  });
  result.catch(() => {});
  return {
    pid: child.pid!,
    send: (message) => child.send(message),
    next(type) {
      const index = early.findIndex((m) => m.type === type);
      if (index >= 0)
        return Promise.resolve(early.splice(index, 1)[0] as Extract<WorkerMessage, { type: typeof type }>);
      return new Promise((resolve, reject) => {
        const queue = waiting.get(type) ?? [];
        queue.push((message) => resolve(message as Extract<WorkerMessage, { type: typeof type }>));
        waiting.set(type, queue);
        result.then(() => reject(new Error(`worker ${name} ended without sending "${type}"`)), reject);
      });
    },
    result,
  };
}
