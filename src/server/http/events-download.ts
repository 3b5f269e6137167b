// GET /api/runs/<runId>/events.ndjson: a run's stored events, one JSON object per line, for
// tools and for the page's "download" link. Streamed page by page with backpressure, so the
// server's memory does not grow with the run.
import { once } from "node:events";
import type http from "node:http";
import { TRPCError } from "@trpc/server";
import { isDatabaseUnavailable } from "../../db/errors";
import { credentialReaches } from "../auth/credentials";
import { beforeDeadline, DeadlineExceededError, RunNotFoundError } from "../errors";
import { readEventsAfter } from "../events/read";
import { requireOwnedRun } from "../runs/queries";
import type { InstanceServices } from "../services";
import { identifyRequest } from "../trpc/identify";
import { sendJson } from "./responses";

const DOWNLOAD_PATH = /^\/api\/runs\/([0-9a-fA-F-]{36})\/events\.ndjson$/;
const PAGE = 1_000;

/** The run id of a download path, or null for any other path. */
export function downloadedRunId(path: string): string | null {
  return DOWNLOAD_PATH.exec(path)?.[1]?.toLowerCase() ?? null;
}

export async function sendEventsDownload(
  services: InstanceServices,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  runId: string,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return sendJson(res, 405, { error: "method not allowed" });
  const { db } = services.database;
  try {
    const deadline = { answerBy: Date.now() + services.requestDeadlineMs, deadlineMs: services.requestDeadlineMs };
    const caller = await identifyRequest(services, req, deadline);
    if (caller.ownerId === null) return sendJson(res, 401, { error: "sign in or send an API token" });
    // A view token downloads its own run's events (what run.eventsPage reads too), no other run's.
    if (!credentialReaches(caller.credential, runId)) return sendJson(res, 404, { error: "run not found" });
    await beforeDeadline(requireOwnedRun(db, runId, caller.ownerId), deadline);
  } catch (error) {
    if (error instanceof RunNotFoundError) return sendJson(res, 404, { error: "run not found" });
    if (unavailable(error)) return sendJson(res, 503, { error: "the database is unavailable; try again shortly" });
    throw error;
  }
  res.writeHead(200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "content-disposition": `attachment; filename="run-${runId}-events.ndjson"`,
    "cache-control": "private, no-store",
  });
  if (req.method === "HEAD") return void res.end();
  let closed = false;
  res.once("close", () => (closed = true));
  try {
    for (let after = 0; !closed;) {
      const events = await readEventsAfter(db, runId, after, PAGE);
      if (events.length === 0) break;
      const lines = events.map((event) => `${JSON.stringify(event)}\n`).join("");
      if (!res.write(lines)) await once(res, "drain");
      after = events.at(-1)!.seq;
      if (events.length < PAGE) break;
    }
    res.end();
  } catch (error) {
    // Headers are out: a failed read can only cut the download short, which the client sees.
    services.log.warn({ err: error, runId }, "events download stopped");
    res.destroy();
  }
}

function unavailable(error: unknown): boolean {
  return (
    error instanceof DeadlineExceededError ||
    isDatabaseUnavailable(error) ||
    (error instanceof TRPCError && error.code === "SERVICE_UNAVAILABLE")
  );
}
