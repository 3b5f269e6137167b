import type { ParentMessage, WorkerMessage } from "./protocol";

/** Worker side of the orchestrator protocol (see protocol.ts). */
export function workerConfig<T>(): T {
  const raw = process.env.BENCH_CONFIG;
  if (!raw) throw new Error("BENCH_CONFIG is not set: bench workers are started by bench/run.ts");
  return JSON.parse(raw) as T;
}

export function tellParent(message: WorkerMessage): void {
  if (!process.send) throw new Error("bench workers must be forked with an IPC channel");
  process.send(message);
}

export function fromParent<T extends ParentMessage["type"]>(type: T): Promise<Extract<ParentMessage, { type: T }>> {
  return new Promise((resolve) => {
    const onMessage = (message: ParentMessage) => {
      if (message.type !== type) return;
      process.off("message", onMessage);
      resolve(message as Extract<ParentMessage, { type: T }>);
    };
    process.on("message", onMessage);
  });
}

/** Sends the last message, then exits once it is flushed (open sockets must not keep the worker alive). */
function finish(message: WorkerMessage, code: number): void {
  if (!process.send) throw new Error("bench workers must be forked with an IPC channel");
  process.send(message, undefined, {}, () => {
    process.disconnect?.();
    process.exit(code);
  });
}

/** Runs the worker body and reports its result or failure. */
export function runWorker(body: () => Promise<unknown>): void {
  // A body whose promise never settles ends the process once nothing is left to wait on: say so.
  process.once("beforeExit", () =>
    process.stderr.write("bench worker: the event loop emptied before its body settled\n"),
  );
  body().then(
    (data) => finish({ type: "result", data }, 0),
    (error: unknown) =>
      finish({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 1),
  );
}
