import type { Encoder } from "@trpc/server/adapters/ws";

// The JSON of each tracked payload (a run's event) already encoded, by the object itself: the fan-out
// hands the same event object to every subscriber of a run, and a shared backfill read the same page.
const encodedPayloads = new WeakMap<object, string>();

/**
 * tRPC's WebSocket encoder, encoding each tracked subscription payload once for all the sockets it
 * goes to. Its output is byte for byte `JSON.stringify` of the message (tRPC's default): a tracked
 * data message, `{ id, jsonrpc?, result: { type: "data", data: { id, data }, id } }` with exactly
 * those keys, is assembled from its parts with the payload's memoised JSON; anything else is
 * stringified whole. Payloads must not change once sent, which holds for events (immutable).
 */
export const trackedPayloadEncoder: Encoder = {
  encode(message) {
    const tracked = trackedDataMessage(message);
    if (!tracked) return JSON.stringify(message);
    let payload = encodedPayloads.get(tracked.payload);
    if (payload === undefined) encodedPayloads.set(tracked.payload, (payload = JSON.stringify(tracked.payload)));
    const trackedId = JSON.stringify(tracked.trackedId);
    const jsonrpc = tracked.jsonrpc === undefined ? "" : `,"jsonrpc":${JSON.stringify(tracked.jsonrpc)}`;
    return `{"id":${JSON.stringify(tracked.id)}${jsonrpc},"result":{"type":"data","data":{"id":${trackedId},"data":${payload}},"id":${trackedId}}}`;
  },
  decode(data) {
    if (typeof data !== "string") throw new Error("JSON messages are text frames");
    return JSON.parse(data) as unknown;
  },
};

interface TrackedDataMessage {
  id: string | number;
  jsonrpc: string | undefined;
  trackedId: string;
  payload: object;
}

/** The parts of a tracked data message whose shape is exactly what the encoder assembles; else null. */
function trackedDataMessage(message: unknown): TrackedDataMessage | null {
  if (!isRecord(message) || !hasKeys(message, MESSAGE_KEYS, ["jsonrpc"])) return null;
  const { id, jsonrpc, result } = message;
  if (!(typeof id === "string" || (typeof id === "number" && Number.isFinite(id)))) return null;
  if (!(jsonrpc === undefined || typeof jsonrpc === "string")) return null;
  if (!isRecord(result) || !hasKeys(result, RESULT_KEYS, []) || result.type !== "data") return null;
  const { data, id: trackedId } = result;
  if (typeof trackedId !== "string" || !isRecord(data) || !hasKeys(data, DATA_KEYS, [])) return null;
  if (data.id !== trackedId || !isRecord(data.data) || Array.isArray(data.data)) return null;
  if (typeof (data.data as { toJSON?: unknown }).toJSON === "function") return null;
  return { id, jsonrpc, trackedId, payload: data.data };
}

const MESSAGE_KEYS = ["id", "jsonrpc", "result"];
const RESULT_KEYS = ["type", "data", "id"];
const DATA_KEYS = ["id", "data"];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/**
 * The object's own enumerable keys are `keys`, in that order, where those in `optional` may be
 * absent. Key order decides JSON.stringify's output.
 */
function hasKeys(value: Record<string, unknown>, keys: string[], optional: string[]): boolean {
  const own = Object.keys(value);
  let at = 0;
  for (const key of keys) {
    if (own[at] === key) at += 1;
    else if (!optional.includes(key)) return false;
  }
  return at === own.length;
}
