import type { WebSocketRoute } from "@playwright/test";
import { TRPC_PATH } from "../src/shared/api";
import { expect, test } from "./fixtures";
import { connection, expectTimeline, oneTo, outcome, renderedSeqs, waitForSeq } from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";
import { runEventsRequests, type SubscriptionRequest } from "./support/trpc-frames";

test("reloading mid-run shows the same timeline and continues live from the last event", async ({ page, api }) => {
  // Steps long enough (6 × 2 s) that the run is still going when the reloaded page opens, even on
  // a busy machine: a run that finished meanwhile is read, not subscribed to, and this is about
  // resuming a live one.
  const run = await api.run.start.mutate({ appPath: "/apps/reload", stepDelayMs: 2_000 });
  const requests: SubscriptionRequest[] = [];
  page.on("websocket", (socket) =>
    socket.on("framesent", ({ payload }) => requests.push(...runEventsRequests(payload))),
  );

  await page.goto(`/runs/${run.id}`);
  await waitForSeq(page, 4);
  const beforeReload = await renderedSeqs(page);
  expect(beforeReload).toEqual(oneTo(beforeReload.length));

  await page.reload();
  await expect(outcome(page)).toContainText("Run succeeded", { timeout: 20_000 });
  await expectTimeline(page, oneTo(13));

  // Each page subscribed after the events its HTML came with: the reloaded one after those the
  // first had shown at least, and got the rest live.
  expect(requests.map((request) => request.params.input?.fromSeq)).toEqual([expect.any(Number), expect.any(Number)]);
  expect(requests[0]!.params.input!.fromSeq!).toBeLessThan(13);
  const resumedFrom = requests[1]!.params.input!.fromSeq!;
  expect(resumedFrom).toBeGreaterThanOrEqual(beforeReload.length);
  expect(resumedFrom).toBeLessThan(13);
});

test("a dropped WebSocket shows reconnecting, then resumes after the last event", async ({ page, api }) => {
  const sent: SubscriptionRequest[] = [];
  const sockets: WebSocketRoute[] = [];
  let connectHeldSocket: (() => void) | undefined;
  // Every socket goes through this route; the second one (the reconnect) waits for the test.
  await page.routeWebSocket(new RegExp(`${TRPC_PATH}$`), (socket) => {
    sockets.push(socket);
    const queued: (string | Buffer)[] = [];
    let server: WebSocketRoute | undefined;
    socket.onMessage((message) => {
      sent.push(...runEventsRequests(message));
      if (server) server.send(message);
      else queued.push(message);
    });
    const connect = () => {
      server = socket.connectToServer();
      for (const message of queued.splice(0)) server.send(message);
    };
    if (sockets.length === 1) connect();
    else connectHeldSocket = connect;
  });

  // Steps of 2 s for the same reason as above: a run that ended before the page went live would show
  // Ended, with nothing left to drop.
  const run = await api.run.start.mutate({ appPath: "/apps/flaky-network", stepDelayMs: 2_000 });
  await page.goto(`/runs/${run.id}`);
  await waitForSeq(page, 4);
  await expect(connection(page)).toHaveText("Live");

  await sockets[0]!.close({ code: 4000, reason: "network dropped (test)" });
  const beforeDrop = await renderedSeqs(page);
  await expect(connection(page)).toHaveText("Reconnecting…");
  await saveScreenshot(page, "run-reconnecting");

  await expect.poll(() => connectHeldSocket).toBeDefined();
  connectHeldSocket!();
  await expect(outcome(page)).toContainText("Run succeeded", { timeout: 20_000 });
  await expectTimeline(page, oneTo(13));

  // tRPC resent the subscription with the id of the last event the page had received (rendering
  // may trail receipt, never lead it), and the page got the rest without duplicates.
  expect(sent).toHaveLength(2);
  const resumedAfter = Number(sent[1]!.params.lastEventId);
  expect(resumedAfter).toBeGreaterThanOrEqual(beforeDrop.at(-1)!);
  expect(resumedAfter).toBeLessThan(13);
});
