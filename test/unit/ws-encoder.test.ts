import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { trackedPayloadEncoder } from "../../src/server/http/ws-encoder";

/** A tracked data message built the way tRPC's WebSocket handler builds it (same keys, same order). */
function trackedMessage(id: string | number, jsonrpc: "2.0" | undefined, trackedId: string, payload: object) {
  const result: { type: "data"; data: unknown; id?: string } = { type: "data", data: [trackedId, payload] };
  result.id = trackedId;
  result.data = { id: trackedId, data: payload };
  return { id, jsonrpc, result: { ...result } };
}

const eventLike = fc.record(
  {
    runId: fc.uuid(),
    seq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    ts: fc.integer({ min: 0 }),
    type: fc.constantFrom("RunStarted", "NodeStarted", "DebugTrace", "RunFinished"),
    v: fc.constant(1),
    source: fc.constantFrom("api", "worker"),
    name: fc.string(),
    fn: fc.string({ unit: "binary" }),
    data: fc.jsonValue().map((value) => ({ value })),
  },
  { requiredKeys: ["runId", "seq", "ts", "type", "v", "source"] },
);

describe("the WebSocket encoder", () => {
  it("writes exactly what JSON.stringify writes for tracked data messages", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.string({ unit: "binary" })),
        fc.constantFrom("2.0" as const, undefined),
        eventLike,
        (id, jsonrpc, event) => {
          const message = trackedMessage(id, jsonrpc, String(event.seq), event);
          expect(trackedPayloadEncoder.encode(message)).toBe(JSON.stringify(message));
        },
      ),
    );
  });

  it("encodes a payload shared by many subscribers once, each message with its own subscription id", () => {
    let stringified = 0;
    const event = { runId: "r", seq: 7, type: "NodeStarted", name: "Warmup" };
    const counted = new Proxy(event, {
      ownKeys: (target) => {
        stringified += 1;
        return Reflect.ownKeys(target);
      },
    });
    const frames = [1, 2, 3].map((id) => trackedPayloadEncoder.encode(trackedMessage(id, "2.0", "7", counted)));
    expect(frames).toEqual([1, 2, 3].map((id) => JSON.stringify(trackedMessage(id, "2.0", "7", event))));
    expect(stringified).toBe(1);
  });

  it("writes every other message as JSON.stringify does, whatever its shape", () => {
    const messages: unknown[] = [
      { id: 1, jsonrpc: "2.0", result: { type: "started" } },
      { id: 1, result: { type: "stopped" } },
      { id: null, method: "reconnect" },
      { id: 2, error: { message: "no", code: -32600, data: { code: "BAD_REQUEST" } } },
      { id: 3, result: { type: "data", data: { items: [] } } },
      // Tracked-looking, but not in tRPC's key order or with something extra: stringified whole.
      { result: { type: "data", data: { id: "1", data: {} }, id: "1" }, id: 4 },
      { id: 5, result: { type: "data", data: { id: "1", data: {}, extra: true }, id: "1" } },
      { id: 6, result: { type: "data", data: { id: "2", data: {} }, id: "1" } },
      { id: 7, result: { type: "data", data: { id: "1", data: [1, 2] }, id: "1" } },
      { id: 8, result: { type: "data", data: { id: "1", data: { toJSON: () => "x" } }, id: "1" } },
    ];
    for (const message of messages) expect(trackedPayloadEncoder.encode(message)).toBe(JSON.stringify(message));
  });

  it("reads text frames as JSON and refuses binary ones", () => {
    expect(trackedPayloadEncoder.decode('{"id":1,"method":"subscription"}')).toEqual({ id: 1, method: "subscription" });
    expect(() => trackedPayloadEncoder.decode(new Uint8Array([123, 125]))).toThrow(/text frames/);
  });
});
