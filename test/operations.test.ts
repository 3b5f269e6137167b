import { describe, expect, it } from "vitest";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";

const api = useTestServer();
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
const metered = useTestServer({ http: { metricsToken: METRICS_TOKEN } });
const scrape = (token = METRICS_TOKEN) =>
  fetch(`${metered().server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });

const metric = (text: string, name: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`metric ${name} missing`);
  return Number(line.split(" ").at(-1));
};

describe("health and metrics", () => {
  it("/healthz answers while the process is up", async () => {
    const response = await fetch(`${api().server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("/readyz reports the database, the migrations and the outbox", async () => {
    const response = await fetch(`${api().server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", database: "ok", migrations: "ok", outbox: "ok" });
  });

  it("/metrics is off (404) unless METRICS_TOKEN is set", async () => {
    const response = await fetch(`${api().server.url}/metrics`, { headers: { authorization: "Bearer anything" } });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("live_runs_");
  });

  it("/metrics needs the bearer token: missing, wrong or a near miss is 401", async () => {
    const url = `${metered().server.url}/metrics`;
    const near = `${METRICS_TOKEN.slice(0, -1)}x`;
    for (const authorization of [
      undefined,
      "Bearer",
      `Bearer ${near}`,
      `Bearer ${METRICS_TOKEN}x`,
      `Basic ${METRICS_TOKEN}`,
    ]) {
      const response = await fetch(url, { headers: authorization ? { authorization } : {} });
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      expect(await response.text()).not.toContain("live_runs_");
    }
    expect((await scrape()).status).toBe(200);
  });

  it("/metrics counts appends, publications and finished runs and reports active runs, lag and subscriptions", async () => {
    const before = await (await scrape()).text();
    const { trpc } = metered().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
    await metered().server.services.outbox.drain();
    const held = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const open = subscribeEvents(trpc, { runId: held.id });
    await expect.poll(() => open.received.length).toBeGreaterThan(0);

    const response = await scrape();
    expect(response.headers.get("content-type")).toContain("text/plain");
    const after = await response.text();

    expect(
      metric(after, "live_runs_events_appended_total") - metric(before, "live_runs_events_appended_total"),
    ).toBeGreaterThanOrEqual(13);
    expect(
      metric(after, "live_runs_events_published_total") - metric(before, "live_runs_events_published_total"),
    ).toBeGreaterThanOrEqual(13);
    expect(metric(after, "live_runs_publish_latency_seconds_count")).toBeGreaterThanOrEqual(13);
    expect(after).toContain('live_runs_runs_finished_total{status="succeeded"} 1');
    expect(after).toContain('live_runs_runs_finished_total{status="cancelled"} 0');
    expect(after).toContain('live_runs_runs_active{status="running"} 1');
    expect(after).toContain('live_runs_runs_active{status="queued"} 0');
    expect(metric(after, "live_runs_active_subscriptions")).toBe(1);
    expect(metric(after, "live_runs_executor_active_runs")).toBe(1);
    expect(metric(after, "live_runs_executor_concurrency")).toBe(16);
    expect(metric(after, "live_runs_outbox_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(after).toContain("live_runs_process_resident_memory_bytes");

    await trpc.run.cancel.mutate({ runId: held.id });
    await awaitStreamCompletion(open);
    const finished = await (await scrape()).text();
    expect(finished).toContain('live_runs_runs_finished_total{status="cancelled"} 1');
    expect(finished).toContain('live_runs_runs_active{status="running"} 0');
  });

  it("/readyz is 503 once the outbox poller has stopped", async () => {
    await api().server.services.outbox.stop();
    const response = await fetch(`${api().server.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "not ready", outbox: "stopped", database: "ok" });
  });
});
