// The server under attack: a production build, one fresh process on a fresh database, on loopback.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type http from "node:http";
import net from "node:net";
import { createInterface } from "node:readline";
import { openDatabase } from "../../src/db/client";
import { createApiToken } from "../../src/server/auth/api-tokens";
import { SessionCookies } from "../../src/server/auth/session-cookie";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database";
import { boundedAgent, call, LOOPBACK, SESSION_COOKIE } from "./http";
import { sleep } from "./tally";

/** A fixed test secret: production may require one, and sessions stay valid across restarts. */
const SESSION_SECRET = "abuse-run-session-secret-0123456789abcdef";

export function ensureBuild(log: (message: string) => void): void {
  if (existsSync(".next/BUILD_ID")) return;
  log("no production build (.next/BUILD_ID missing): running npm run build first");
  const build = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
  if (build.status !== 0 || !existsSync(".next/BUILD_ID")) throw new Error("npm run build failed");
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(0, LOOPBACK, resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface ServerUnderTest {
  port: number;
  url: string;
  pid: number;
  /** An API token of the victim owner. */
  victimToken: string;
  /** "yes" when running and answering GET /healthz within 5 s, else why not. */
  alive(): Promise<string>;
  /** How many lines the process printed so far (JSON logs at warn and above, and stderr). */
  printed(): number;
  /** Waits until GET /readyz answers 200 within a second (the database pool is not backlogged); false if not by `timeoutMs`. */
  settled(timeoutMs: number): Promise<boolean>;
  /** The lines printed since line `from` (the last 200 at most are kept). */
  output(from: number): string[];
  /** What the server printed (warnings, errors, uncaught exceptions), by message. */
  logCounts(): Map<string, number>;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and drops its database; once. */
  stop(): Promise<void>;
}

export async function startServer(victimOwner: string): Promise<ServerUnderTest> {
  process.env.TEST_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/postgres";
  const database: TestDatabase = await createTestDatabase("postgres");
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      SERVE_PAGES: "true",
      HOST: LOOPBACK,
      PORT: String(port),
      DATABASE_URL: database.url!,
      LOG_LEVEL: "warn",
      SESSION_SECRET,
      SHUTDOWN_GRACE_MS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let printed = 0;
  const counts = new Map<string, number>();
  const collect = (line: string) => {
    printed += 1;
    lines.push(line);
    if (lines.length > 200) lines.shift();
    const message = logMessage(line);
    if (message !== null) counts.set(message, (counts.get(message) ?? 0) + 1);
  };
  createInterface({ input: child.stdout }).on("line", collect);
  createInterface({ input: child.stderr }).on("line", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const agent = boundedAgent(2);
  const url = `http://${LOOPBACK}:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= stopNow());
  const stopNow = async () => {
    agent.destroy();
    if (running()) child.kill("SIGTERM");
    await Promise.race([exited, sleep(5_000)]);
    if (running()) child.kill("SIGKILL");
    await exited;
    await database.drop();
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!running()) throw new Error(`the server exited before it was ready:\n${lines.slice(-20).join("\n")}`);
      if (Date.now() > deadline) throw new Error("the server was not ready within 60 s");
      const { outcome } = await call(agent, port, { path: "/readyz", timeoutMs: 2_000 });
      if ("status" in outcome && outcome.status === 200) break;
      await sleep(200);
    }
    await warmPages(agent, port);
    const victimToken = await createToken(database.url!, victimOwner);
    return {
      port,
      url,
      pid: child.pid!,
      victimToken,
      async alive() {
        const exitStatus = () => `no: exited (${child.signalCode ?? `code ${child.exitCode}`})`;
        if (!running()) return exitStatus();
        const { outcome } = await call(agent, port, { path: "/healthz", timeoutMs: 5_000 });
        if (!running()) return exitStatus();
        return "status" in outcome && outcome.status === 200 ? "yes" : "no: /healthz unanswered in 5 s";
      },
      printed: () => printed,
      async settled(timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        while (running() && Date.now() < deadline) {
          const { outcome } = await call(agent, port, { path: "/readyz", timeoutMs: 1_000 });
          if ("status" in outcome && outcome.status === 200) return true;
          await sleep(250);
        }
        return false;
      },
      output: (from) => lines.slice(Math.max(0, lines.length - (printed - from))),
      logCounts: () => new Map(counts),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Renders the pages an attack asks for once, with a session of their own (so none is minted from
 * the attacker's address): Next loads a page's modules on its first request, a cost of the first
 * visitor, whoever it is, not of the attack that happens to come first.
 */
async function warmPages(agent: http.Agent, port: number): Promise<void> {
  const session = new SessionCookies(SESSION_SECRET, 60_000).issue();
  const cookie = `${SESSION_COOKIE}=${encodeURIComponent(session.value)}`;
  for (const [method, path] of [
    ["GET", "/"],
    ["HEAD", "/x"],
  ] as const) {
    await call(agent, port, { method, path, headers: { cookie }, timeoutMs: 30_000 });
  }
}

async function createToken(databaseUrl: string, ownerId: string): Promise<string> {
  const database = openDatabase({ kind: "postgres", url: databaseUrl, poolMax: 1 });
  try {
    return (await createApiToken(database.db, ownerId)).secret;
  } finally {
    await database.close();
  }
}

/** What a line of output says, to count alike lines together; null for a stack frame or a banner. */
function logMessage(line: string): string | null {
  try {
    const entry = JSON.parse(line) as { msg?: unknown };
    return typeof entry.msg === "string" ? entry.msg : "(log line)";
  } catch {
    return /^\s/.test(line) || line.startsWith("✓") ? null : line.slice(0, 60);
  }
}

/** Samples the process's resident memory (VmRSS) every `everyMs`; stop() returns the largest, in MB. */
export function sampleRss(pid: number, everyMs = 500): { startMb: number; stop(): number } {
  let maxKb = 0;
  const sample = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      maxKb = Math.max(maxKb, kb);
    } catch {
      // the process is gone: keep what was seen
    }
  };
  sample();
  const startMb = Math.round(maxKb / 1024);
  const timer = setInterval(sample, everyMs);
  return {
    startMb,
    stop() {
      clearInterval(timer);
      sample();
      return Math.round(maxKb / 1024);
    },
  };
}

/**
 * Measures the share of one core the process used from now until stop() (in %): what an attack
 * costs the server, which the victim's latencies show only through a quiet machine.
 */
export function sampleCpu(pid: number): { stop(): number } {
  const started = performance.now();
  const startTicks = cpuTicks(pid);
  let result: number | null = null;
  return {
    stop() {
      // Ticks are hundredths of a second: ticks per second is the percentage of one core.
      result ??= Math.round((cpuTicks(pid) - startTicks) / ((performance.now() - started) / 1000));
      return result;
    },
  };
}

/** User plus system time of the process in clock ticks (1/100 s on Linux); what was last seen once it is gone. */
function cpuTicks(pid: number): number {
  try {
    // The fields after the command name (which may hold spaces), from the process state on.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").at(-1)!.split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}
