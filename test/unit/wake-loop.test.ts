import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WakeLoop } from "../../src/server/wake-loop";

const POLL_MS = 1_000;

/** Work that runs until the test finishes or fails it; counts how many runs overlap. */
function heldWork() {
  const runs: { finish(): void; fail(error: unknown): void }[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const work = vi.fn(
    () =>
      new Promise<void>((resolve, reject) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        let ended = false;
        const end = () => {
          if (!ended) running -= 1;
          ended = true;
        };
        runs.push({
          finish: () => (end(), resolve()),
          fail: (error) => (end(), reject(error instanceof Error ? error : new Error(String(error)))),
        });
      }),
  );
  return { work, runs, mostAtOnce: () => mostAtOnce, latest: () => runs.at(-1)! };
}

/** A loop over held work, started: its first run is in flight. */
function startLoop(onError: (error: unknown) => void = () => {}) {
  const held = heldWork();
  const loop = new WakeLoop({ work: held.work, pollMs: POLL_MS, onError });
  loop.start();
  /** Lets the run in flight finish and waits until the loop has seen it end. */
  const finishRun = async () => {
    held.latest().finish();
    await loop.settled();
  };
  return { held, loop, finishRun };
}

/** Whether `promise` has settled once every pending callback has run. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await vi.advanceTimersByTimeAsync(0);
  return settled;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a wake loop", () => {
  it("runs once on start, and a burst of wakes while it runs costs exactly one more run", async () => {
    const { held, loop, finishRun } = startLoop();
    expect(held.work).toHaveBeenCalledTimes(1);

    for (let i = 0; i < 5; i++) loop.wake();
    expect(held.work).toHaveBeenCalledTimes(1);
    await finishRun();
    expect(held.work).toHaveBeenCalledTimes(2);

    await finishRun();
    expect(held.work).toHaveBeenCalledTimes(2);
    await loop.stop();
  });

  it("a wake while idle runs the work at once", async () => {
    const { held, loop, finishRun } = startLoop();
    await finishRun();
    loop.wake();
    expect(held.work).toHaveBeenCalledTimes(2);
    held.latest().finish();
    await loop.stop();
  });

  it("never runs the work twice at once, whatever mix of wakes and polls arrives", async () => {
    const { held, loop } = startLoop();
    for (let step = 0; step < 20; step++) {
      loop.wake();
      await vi.advanceTimersByTimeAsync(POLL_MS / 2);
      if (step % 3 === 0) held.latest().finish();
    }
    held.latest().finish();
    await loop.stop();
    expect(held.mostAtOnce()).toBe(1);
    expect(held.work.mock.calls.length).toBeGreaterThan(5);
  });

  it("runs on its poll timer with no wake at all", async () => {
    const { held, loop, finishRun } = startLoop();
    await finishRun();

    await vi.advanceTimersByTimeAsync(POLL_MS - 1);
    expect(held.work).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(held.work).toHaveBeenCalledTimes(2);
    held.latest().finish();
    await loop.stop();
  });

  it("stop waits for the run in flight, then nothing runs again", async () => {
    const { held, loop } = startLoop();
    loop.wake(); // would run again after this run, but stop comes first
    const stopped = loop.stop();
    expect(loop.isActive).toBe(false);
    expect(await hasSettled(stopped)).toBe(false);

    held.latest().finish();
    await stopped;
    loop.wake();
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(held.work).toHaveBeenCalledTimes(1);
  });

  it("reports a failed run and carries on: the next wake runs the work again", async () => {
    const onError = vi.fn();
    const { held, loop, finishRun } = startLoop(onError);
    const failure = new Error("database unreachable");
    held.latest().fail(failure);
    await loop.settled();
    expect(onError).toHaveBeenCalledExactlyOnceWith(failure);
    expect(loop.isActive).toBe(true);

    loop.wake();
    expect(held.work).toHaveBeenCalledTimes(2);
    await finishRun();
    expect(onError).toHaveBeenCalledTimes(1);
    await loop.stop();
  });

  it("a failed run still honours the wakes that came in during it", async () => {
    const { held, loop } = startLoop();
    loop.wake();
    held.latest().fail(new Error("transient"));
    await loop.settled();
    expect(held.work).toHaveBeenCalledTimes(2);
    held.latest().finish();
    await loop.stop();
  });

  it("starting twice keeps one timer", async () => {
    const { held, loop, finishRun } = startLoop();
    loop.start();
    expect(held.work).toHaveBeenCalledTimes(1);
    await finishRun();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(held.work).toHaveBeenCalledTimes(2);
    held.latest().finish();
    await loop.stop();
  });

  it("wakes before start or after stop do nothing", async () => {
    const held = heldWork();
    const loop = new WakeLoop({ work: held.work, pollMs: POLL_MS, onError: () => {} });
    loop.wake();
    expect(held.work).not.toHaveBeenCalled();
    expect(loop.isActive).toBe(false);
    loop.start();
    held.latest().finish();
    await loop.stop();
    loop.wake();
    expect(held.work).toHaveBeenCalledTimes(1);
  });
});
