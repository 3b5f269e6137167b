import { createHash, timingSafeEqual } from "node:crypto";
import type http from "node:http";
import type { InstanceServices } from "../services";
import { checkReadiness } from "./health";
import { sendJson } from "./responses";

export async function sendReadiness(services: InstanceServices, res: http.ServerResponse): Promise<void> {
  const readiness = await checkReadiness({
    db: services.database.db,
    outboxRunning: () => services.outbox.isRunning,
    timeoutMs: 2_000,
  });
  sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? "ready" : "not ready", ...readiness.checks });
}

/**
 * Prometheus text, for scrapers that send `Authorization: Bearer <METRICS_TOKEN>`. Without a token
 * configured the path does not exist here (404): metrics are not public.
 */
export async function sendMetrics(
  services: InstanceServices,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const token = services.http.metricsToken;
  if (token === undefined) {
    res.statusCode = 404;
    res.end("not found");
    return;
  }
  if (!bearerIs(req.headers.authorization, token)) {
    res.setHeader("www-authenticate", 'Bearer realm="metrics"');
    sendJson(res, 401, { error: "metrics need Authorization: Bearer <METRICS_TOKEN>" });
    return;
  }
  const { registry } = services.metrics;
  try {
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType }).end(body);
  } catch (error) {
    services.log.error({ err: error }, "collecting metrics failed");
    sendJson(res, 503, { status: "metrics unavailable" });
  }
}

/** Compares digests, so the time taken says nothing about how much of the token matched, or its length. */
function bearerIs(header: string | undefined, token: string): boolean {
  const sent = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
  if (sent === undefined) return false;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(sent), digest(token));
}
