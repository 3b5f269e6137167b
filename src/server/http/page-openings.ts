import { AsyncLocalStorage } from "node:async_hooks";
import type http from "node:http";
import {
  OPENING_EVENTS,
  OPENING_EVENTS_AROUND,
  PAGE_OPENINGS_KEY,
  type PageOpenings,
  type ReadRunPageOpening,
  type RunPageOpening,
} from "../../shared/run-page-opening";
import type { RunEvent } from "../events/types";
import { beforeDeadline } from "../errors";
import { appRouter } from "../routers/_app";
import type { Services } from "../trpc/context";
import { identifyRequest } from "../trpc/identify";
import { clientAddress } from "./client-address";

/**
 * Past this the page is sent without its opening (the browser then reads it over the API), so a
 * slow database delays a page by this much at most.
 */
const OPENING_BUDGET_MS = 1_000;

type Opening = RunPageOpening<RunEvent>;
const openings = new AsyncLocalStorage<ReadRunPageOpening<RunEvent>>();

/** Gives the pages (bundled apart, see shared/run-page-opening.ts) the reader of the request they render. */
export function installPageOpenings(): void {
  // The page reads the events as the contract's union of event types: the same objects, typed by `type`.
  const shared: PageOpenings = { current: () => openings.getStore() as ReadRunPageOpening | undefined };
  (globalThis as { [PAGE_OPENINGS_KEY]?: PageOpenings })[PAGE_OPENINGS_KEY] = shared;
}

/** Renders a page with a reader of run openings as this request's caller, through the API's own procedures. */
export function withPageOpenings<T>(services: Services, req: http.IncomingMessage, render: () => T): T {
  const read: ReadRunPageOpening<RunEvent> = (runId, focusSeq) =>
    beforeDeadline(readOpening(services, req, runId, focusSeq), {
      answerBy: Date.now() + OPENING_BUDGET_MS,
      deadlineMs: OPENING_BUDGET_MS,
    }).catch(() => null);
  return openings.run(read, render);
}

async function readOpening(
  services: Services,
  req: http.IncomingMessage,
  runId: string,
  focusSeq: number | null,
): Promise<Opening | null> {
  const answerBy = Date.now() + services.requestDeadlineMs;
  const caller = appRouter.createCaller({
    services,
    connection: null,
    caller: await identifyRequest(services, req, { answerBy }),
    rawJson: null,
    clientAddress: clientAddress(req, services.addressLimits.settings.trustProxy),
    answerBy,
  });
  const run = await caller.run.get({ runId });
  const [plans, steps, events] = await Promise.all([
    caller.run.plans(),
    caller.run.steps({ runId }),
    focusSeq === null || run.lastSeq === 0
      ? caller.run.eventsPage({ runId, limit: OPENING_EVENTS }).then((page) => page.events)
      : around(caller, runId, Math.min(focusSeq, run.lastSeq)),
  ]);
  return { run, plans, steps, events };
}

async function around(caller: ReturnType<typeof appRouter.createCaller>, runId: string, seq: number) {
  const [before, after] = await Promise.all([
    caller.run.eventsPage({ runId, beforeSeq: seq, limit: OPENING_EVENTS_AROUND }),
    caller.run.eventsPage({ runId, afterSeq: seq - 1, limit: OPENING_EVENTS_AROUND }),
  ]);
  return [...before.events, ...after.events];
}
