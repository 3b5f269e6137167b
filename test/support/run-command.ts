import { spawn } from "node:child_process";

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCommand {
  /** Resolves once stdout contains `text`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  done: Promise<CommandResult>;
}

/** Runs a TypeScript entry point (through tsx) in a child process, capturing its output. */
export function runTs(entry: string, args: string[], env: Record<string, string> = {}): RunningCommand {
  const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const watchers = new Set<() => void>();
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const check of watchers) check();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CommandResult>((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
  return {
    done,
    waitForOutput(text, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no "${text}" in output within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const check = () => {
          if (!stdout.includes(text)) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolve();
        };
        watchers.add(check);
        check();
      });
    },
  };
}
