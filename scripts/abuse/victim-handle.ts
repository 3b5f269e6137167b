// The abuse run's side of the victim process (victim-process.ts).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type VictimReport } from "./victim";

export interface VictimHandle {
  /** Stops the victim's load, lets its runs finish for up to `settleMs`, and returns what it saw. */
  finish(settleMs: number): Promise<VictimReport>;
  kill(): void;
}

type FromVictim = { type: "ready" } | { type: "failed"; message: string } | { type: "report"; report: VictimReport };

export async function spawnVictim(url: string, token: string): Promise<VictimHandle> {
  const child = fork(fileURLToPath(new URL("./victim-process.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ABUSE_VICTIM_URL: url, ABUSE_VICTIM_TOKEN: token },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = (timeoutMs: number) =>
    new Promise<FromVictim>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the victim process did not answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onExit = () => reject(new Error("the victim process exited"));
      child.once("exit", onExit);
      child.once("message", (message: FromVictim) => {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(message);
      });
    });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  try {
    const first = await next(60_000);
    if (first.type !== "ready") throw new Error(first.type === "failed" ? first.message : "unexpected message");
  } catch (error) {
    kill();
    throw error;
  }
  return {
    async finish(settleMs) {
      const answer = next(settleMs + 15_000);
      child.send({ type: "finish", settleMs });
      const message = await answer.finally(kill);
      if (message.type !== "report") throw new Error("the victim process sent no report");
      return message.report;
    },
    kill,
  };
}
