import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { CallGate } from "../../src/server/http/call-gate";

/** A gate with a cap of 2 calls in flight that holds up to `holdBytes`; records what it hands over and its full/clear signals. */
function gate(holdBytes = 100) {
  const handedOver: string[] = [];
  const signals: boolean[] = [];
  let inFlight = 0;
  const callGate = new CallGate(
    2,
    holdBytes,
    (data) => handedOver.push(data.toString()),
    (full) => signals.push(full),
  );
  callGate.open(() => inFlight);
  return { callGate, handedOver, signals, setInFlight: (n: number) => (inFlight = n) };
}

const message = (text: string) => Buffer.from(text);

describe("CallGate while the socket is backlogged", () => {
  it("holds calls and subscription starts, and lets a stop through when nothing is held", () => {
    const { callGate, handedOver } = gate();
    callGate.setBacklogged(true);
    callGate.offer(message("stop-1"), 0, 0);
    expect(handedOver).toEqual(["stop-1"]);
    callGate.offer(message("query"), 1, 1);
    callGate.offer(message("subscribe"), 0, 1);
    expect(handedOver).toEqual(["stop-1"]);
  });

  it("keeps a stop behind the start it follows, and hands both over in order once the backlog drains", async () => {
    const { callGate, handedOver } = gate();
    callGate.setBacklogged(true);
    callGate.offer(message("subscribe-2"), 0, 1);
    callGate.offer(message("stop-2"), 0, 0);
    expect(handedOver).toEqual([]);
    callGate.setBacklogged(false);
    await nextTurn();
    expect(handedOver).toEqual(["subscribe-2", "stop-2"]);
  });

  it("signals full once the held messages pass holdBytes, and clear once they are handed over", async () => {
    const { callGate, signals, handedOver } = gate(100);
    callGate.setBacklogged(true);
    callGate.offer(message("q".repeat(60)), 1, 1);
    expect(signals).toEqual([]);
    callGate.offer(message("r".repeat(60)), 1, 1);
    callGate.offer(message("s".repeat(60)), 1, 1);
    expect(signals).toEqual([true]);
    callGate.setBacklogged(false);
    await nextTurn();
    // The cap (2 in flight) lets two go this turn; what is left is under holdBytes.
    expect(handedOver).toHaveLength(2);
    expect(signals).toEqual([true, false]);
  });
});

describe("CallGate at its in-flight cap", () => {
  it("holds a message whose calls do not fit until a call settles, without signalling full below holdBytes", async () => {
    const { callGate, handedOver, signals, setInFlight } = gate();
    setInFlight(2);
    callGate.offer(message("third"), 1, 1);
    expect(handedOver).toEqual([]);
    setInFlight(1);
    callGate.settled();
    await nextTurn();
    expect(handedOver).toEqual(["third"]);
    expect(signals).toEqual([]);
  });
});
