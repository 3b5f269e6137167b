// The real server in a process of its own, for the API tests, the soak script and the bench.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface SpawnServerOptions {
  databaseUrl: string;
  /** Settings over the defaults: API only, NODE_ENV=production, LOG_LEVEL=info. */
  env?: Record<string, string>;
  /** The entry module, from the repository root: the real server unless a variant is given. */
  entry?: string;
  /** Node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** The port to listen on; by default a free one the system picks. */
  port?: number;
  /**
   * "keep" (default): every log line goes to `logs` and stderr is kept for error messages.
   * "echo-warnings": warn and worse, and anything not JSON, go to this process's stderr, as does
   * the server's stderr; `logs` stays empty (a long benchmark logs a lot).
   */
  logs?: "keep" | "echo-warnings";
  /** How long the server may take to answer /readyz with 200. */
  readyTimeoutMs?: number;
}

export interface ServerProcess {
  pid: number;
  url: string;
  /** Log lines (JSON) the process printed so far, when `logs` is "keep". */
  logs: string[];
  /** The lease owner id it writes on the runs it executes (from its "listening" log line). */
  readonly instanceId: string;
  /** Resident set size in bytes (Linux /proc). */
  rss(): number;
  /** kill -9: no shutdown, no drain, leases left to expire. */
  crash(): Promise<void>;
  /** SIGTERM, SIGKILL if it has not exited after `timeoutMs`; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

// Every server started here, so that a failed test or bench never leaves one behind.
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts the server (`src/server/main.ts`, API only, or a variant given as `entry`) in its own
 * process on a port chosen first, and resolves once GET /readyz answers 200.
 */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freeEphemeralPort());
    try {
      return await launch(options, port);
    } catch (error) {
      // Another process may take the port between our probe and the server's listen: try another.
      const portTaken = error instanceof PortTakenError;
      if (!portTaken || options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function launch(options: SpawnServerOptions, port: number): Promise<ServerProcess> {
  const entry = options.entry ?? "src/server/main.ts";
  const echo = options.logs === "echo-warnings";
  const child = spawn(process.execPath, ["--import", "tsx", ...(options.nodeArgs ?? []), entry], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: "production",
      // Production requires a configured secret; every spawned test or bench instance shares this one.
      SESSION_SECRET: "spawned-server-session-secret-of-32-chars-or-more",
      SERVE_PAGES: "false",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      LOG_LEVEL: "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const logs: string[] = [];
  const stderr: string[] = [];
  let instanceId: string | undefined;
  child.stderr.on("data", (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (echo) process.stderr.write(chunk);
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const entry = parseLog(line);
    if (entry?.msg === "live runs server listening") instanceId = String(entry.instanceId);
    if (!echo) logs.push(line);
    else if (!entry || Number(entry.level ?? 0) >= 40) process.stderr.write(`[server] ${line}\n`);
  });

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, exited, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    const output = stderr.join("");
    const message = `${entry} did not become ready: ${(error as Error).message}\n${output}`;
    throw output.includes("EADDRINUSE") ? new PortTakenError(message) : new Error(message);
  }

  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  const pid = child.pid!;
  return {
    pid,
    url,
    logs,
    get instanceId() {
      if (instanceId === undefined)
        throw new Error("the server has not logged its instance id (LOG_LEVEL above info?)");
      return instanceId;
    },
    rss: () => rssBytes(pid),
    crash: async () => void (await signal("SIGKILL")),
    async stop(timeoutMs = 15_000) {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await signal("SIGTERM");
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Polls GET /readyz until it answers 200; fails if the process exits first or time runs out. */
async function waitUntilReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  let last = "no answer yet";
  for (;;) {
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      const body = await response.text();
      if (response.status === 200) return;
      last = `${response.status} ${body}`;
    } catch (error) {
      // fetch's own message is "fetch failed"; the cause says why (ECONNREFUSED, a timeout).
      const cause: unknown = error instanceof Error ? (error.cause ?? error) : error;
      last = cause instanceof Error ? cause.message : String(cause);
    }
    if (exitCode !== undefined) throw new Error(`exited with ${exitCode}`);
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms (last: ${last})`);
    await Promise.race([sleep(50), exited]);
  }
}

/** A port free right now, picked by the system. */
export function freeEphemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

function parseLog(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
