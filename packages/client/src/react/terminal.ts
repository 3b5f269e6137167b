import type { Run, RunStatus, TerminalStatus } from "../contract.js";

const TERMINAL: readonly RunStatus[] = ["succeeded", "failed", "cancelled"] satisfies TerminalStatus[];

/** True once the run finished: its state never changes again. */
export const isFinished = (run: Pick<Run, "status">): boolean => TERMINAL.includes(run.status);
