// Bench-only preload that turns the real server (src/server/main.ts) into the seed's outbox design:
// the outbox is never woken by local appends or run.start, and publishes on a fixed timer of
// SEED_OUTBOX_POLL_MS (default 25 ms) instead. Everything else is the real server, so the latency
// bench isolates what the wake-on-append outbox is worth.
//   node --import tsx --import ./bench/servers/seed-outbox.ts src/server/main.ts
import { OutboxPoller } from "../../src/server/outbox/poller";

const pollMs = Number(process.env.SEED_OUTBOX_POLL_MS ?? 25);
// The originals, called with the poller as `this` (Reflect.get: they are taken off the prototype on purpose).
const wake = Reflect.get<OutboxPoller, "wake">(OutboxPoller.prototype, "wake");
const start = Reflect.get<OutboxPoller, "start">(OutboxPoller.prototype, "start");
const stop = Reflect.get<OutboxPoller, "stop">(OutboxPoller.prototype, "stop");
const timers = new WeakMap<OutboxPoller, NodeJS.Timeout>();

// Every wake-up path (after an append, after run.start, the backstop timer) goes through wake().
OutboxPoller.prototype.wake = function () {};
OutboxPoller.prototype.start = function (this: OutboxPoller) {
  start.call(this);
  timers.set(
    this,
    setInterval(() => wake.call(this), pollMs),
  );
};
OutboxPoller.prototype.stop = async function (this: OutboxPoller) {
  clearInterval(timers.get(this));
  await stop.call(this);
};
