import type { RunEvent } from "@live-runs/client";
import { events as pageEvents } from "./runs";

export { run, RUN_ID } from "./runs";

/**
 * The same events typed as the client package's RunEvent (a union told apart by `type`), for code
 * that takes those (the CLI). Each spec names its type and that type's fields, so each event is
 * one member of the union.
 */
export const events = (...specs: Parameters<typeof pageEvents>): RunEvent[] => pageEvents(...specs) as RunEvent[];
