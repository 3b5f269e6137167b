// The React example app (examples/react-app) on an origin of its own, as another app's page: it
// starts a run with the package's hooks and shows its timeline live. The page reaches the server
// through a TCP proxy the spec can cut, to drop its connection mid-run.
import { randomUUID } from "node:crypto";
import { createRunsClient, type RunsClient } from "@live-runs/client";
import type { Locator } from "@playwright/test";
import { startExampleServer, type ExampleServer } from "../examples/react-app/server";
import { startTcpProxy } from "../test/support/tcp-proxy";
import { expect, test } from "./fixtures";
import { readExampleToken } from "./support/example-token";
import { reactExampleOrigin } from "./support/server-settings";

type Proxy = Awaited<ReturnType<typeof startTcpProxy>>;

let example: ExampleServer;
let proxy: Proxy;
let api: RunsClient;

test.beforeAll(async () => {
  const server = new URL(test.info().project.use.baseURL ?? "http://127.0.0.1:3217");
  const token = readExampleToken(server.port);
  proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
  const origin = new URL(reactExampleOrigin(server.port));
  example = await startExampleServer({
    host: origin.hostname,
    port: Number(origin.port),
    runsUrl: `http://127.0.0.1:${proxy.port}`,
    token,
  });
  // The spec's own view of the same owner's runs, straight to the server.
  api = createRunsClient({ url: server.origin, token });
});

test.afterAll(async () => {
  await api?.close();
  await example?.close();
  await proxy?.close();
});

const seqsOf = (timeline: Locator) =>
  timeline.locator("li").evaluateAll((items) => items.map((item) => Number(item.getAttribute("data-seq"))));

const CANONICAL_SEQS = Array.from({ length: 13 }, (_, index) => index + 1);

test("starts a run and shows its timeline live: the stream goes live then finished, the run's status follows", async ({
  page,
}) => {
  await page.goto(example.url);
  await page.getByLabel("Step delay (ms)").fill("800");
  await page.getByRole("button", { name: "Start a run" }).click();

  const stream = page.getByTestId("stream-status");
  const timeline = page.getByTestId("timeline");
  const runStatus = page.getByTestId("run-status");
  await expect(stream).toHaveText("live");
  // Events arrive while the run runs: its first step is shown, and useRun says running, before it ends.
  await expect(timeline.getByText("NodeStarted EnsureDevice")).toBeVisible();
  await expect(runStatus).toHaveText("running");
  expect((await seqsOf(timeline)).length).toBeLessThan(13);

  await expect(stream).toHaveText("finished");
  expect(await seqsOf(timeline)).toEqual(CANONICAL_SEQS);
  await expect(timeline.locator("li").last()).toHaveText("RunFinished succeeded");
  // RunFinished refetches the run at once: well before useRun's 5 s backstop poll would.
  await expect(runStatus).toHaveText("succeeded", { timeout: 3_000 });
  const runId = await page.getByTestId("run-id").textContent();
  expect((await api.trpc.run.get.query({ runId: runId! })).status).toBe("succeeded");
  await expect(page.getByTestId("recent-runs")).toContainText(runId!.slice(0, 8));
});

test("a dropped connection shows reconnecting, then resumes after the last event shown: none missed or repeated", async ({
  page,
}) => {
  await page.goto(example.url);
  await page.getByLabel("Step delay (ms)").fill("1500");
  await page.getByRole("button", { name: "Start a run" }).click();

  const stream = page.getByTestId("stream-status");
  const timeline = page.getByTestId("timeline");
  await expect(timeline.locator('li[data-seq="3"]')).toBeVisible();
  const runId = (await page.getByTestId("run-id").textContent())!;

  proxy.down();
  await expect(stream).toHaveText("reconnecting");
  const shown = (await seqsOf(timeline)).at(-1)!;
  // The run goes on without the page: events are written that it has not received.
  await expect.poll(async () => (await api.trpc.run.get.query({ runId })).lastSeq).toBeGreaterThan(shown + 1);
  expect((await seqsOf(timeline)).at(-1)).toBe(shown);

  proxy.up();
  await expect(stream).toHaveText(/live|finished/, { timeout: 15_000 });
  await expect(stream).toHaveText("finished", { timeout: 15_000 });
  expect(await seqsOf(timeline)).toEqual(CANONICAL_SEQS);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
});

test("watches a run by id: a finished run's stored timeline, and an unknown run's refusal", async ({ page }) => {
  const run = await api.trpc.run.start.mutate({ stepDelayMs: 0 });
  await api.waitForRun(run.id);
  await page.goto(`${example.url}?run=${run.id}`);
  const stream = page.getByTestId("stream-status");
  await expect(stream).toHaveText("finished");
  expect(await seqsOf(page.getByTestId("timeline"))).toEqual(CANONICAL_SEQS);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");

  await page.goto(`${example.url}?run=${randomUUID()}`);
  await expect(stream).toHaveText("error");
  await expect(page.getByRole("alert")).toContainText("NOT_FOUND");
  await expect(page.getByTestId("timeline").locator("li")).toHaveCount(0);
});
