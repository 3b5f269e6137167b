import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { socketDelivery, type FrameSocket } from "../../src/server/delivery/socket-frames";
import type { RunEvent } from "../../src/server/events/types";
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

  it("tells a subscription its address, so the frames written to its socket are the encoder's, byte for byte", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer(), fc.string({ unit: "binary" })),
        fc.constantFrom("2.0" as const, undefined),
        eventLike,
        async (id, jsonrpc, event) => {
          const { socket, sent } = recordingSocket();
          const deliver = await socketDelivery(Promise.resolve(subscriptionInput(id, jsonrpc)), socket);
          deliver!(event);
          const expected = trackedPayloadEncoder.encode(trackedMessage(id, jsonrpc, String(event.seq), event));
          expect(sent.map((frame) => frame.toString("utf8"))).toEqual([expected]);
        },
      ),
    );
  });

  it("writes the same bytes to every subscription with the same address, and its own to any other", async () => {
    const event = { runId: "r", seq: 3, ts: 1, type: "NodeStarted", v: 1, source: "worker" } as RunEvent;
    const { socket, sent } = recordingSocket();
    for (const id of [1, 1, 2]) (await socketDelivery(Promise.resolve(subscriptionInput(id, "2.0")), socket))!(event);
    expect(sent[0]).toBe(sent[1]);
    expect(sent[2]).not.toBe(sent[0]);
    expect(JSON.parse(sent[2]!.toString("utf8"))).toMatchObject({ id: 2, result: { id: "3" } });
  });

  it("moves a lastEventId beside the input into it, as tRPC would, and knows only what it decoded", async () => {
    const decoded = trackedPayloadEncoder.decode(
      JSON.stringify({
        id: 4,
        method: "subscription",
        params: { path: "run.events", input: { runId: "r" }, lastEventId: "9" },
      }),
    ) as { params: { input: object; lastEventId?: string } };
    expect(decoded.params).toEqual({ path: "run.events", input: { runId: "r", lastEventId: "9" } });
    const { socket } = recordingSocket();
    expect(await socketDelivery(Promise.resolve(decoded.params.input), socket)).not.toBeNull();
    expect(await socketDelivery(Promise.resolve({ runId: "r" }), socket)).toBeNull();
    expect(await socketDelivery(null, socket)).toBeNull();
  });
});

/** The input object of a subscription request, as tRPC hands it to the procedure after decoding. */
function subscriptionInput(id: string | number, jsonrpc: "2.0" | undefined): object {
  const request = {
    id,
    ...(jsonrpc ? { jsonrpc } : {}),
    method: "subscription",
    params: { path: "run.events", input: { runId: "r" } },
  };
  return (trackedPayloadEncoder.decode(JSON.stringify(request)) as { params: { input: object } }).params.input;
}

function recordingSocket(): { socket: FrameSocket; sent: Buffer[] } {
  const sent: Buffer[] = [];
  return { socket: { send: (data) => void sent.push(data) }, sent };
}
