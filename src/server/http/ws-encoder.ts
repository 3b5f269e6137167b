import type { Encoder } from "@trpc/server/adapters/ws";
import { encodedPayload, rememberSubscriptionRequest, trackedDataText } from "../delivery/socket-frames";

/**
 * tRPC's WebSocket encoder, encoding each tracked subscription payload once for all the sockets it
 * goes to. Its output is byte for byte `JSON.stringify` of the message (tRPC's default): a tracked
 * data message, `{ id, jsonrpc?, result: { type: "data", data: { id, data }, id } }` with exactly
 * those keys, is assembled from its parts with the payload's memoised JSON; anything else is
 * stringified whole. Payloads must not change once sent, which holds for events (immutable).
 *
 * Decoding remembers each subscription request by its input object, which tRPC hands to the
 * procedure, so the subscription can write its events' frames to its socket itself
 * (delivery/socket-frames.ts).
 */
export const trackedPayloadEncoder: Encoder = {
  encode(message) {
    const tracked = trackedDataMessage(message);
    if (!tracked) return JSON.stringify(message);
    return trackedDataText(tracked, tracked.trackedId, encodedPayload(tracked.payload));
  },
  decode(data) {
    if (typeof data !== "string") throw new Error("JSON messages are text frames");
    const decoded = JSON.parse(data) as unknown;
    if (Array.isArray(decoded)) decoded.forEach(rememberSubscription);
    else rememberSubscription(decoded);
    return decoded;
  },
};

/**
 * Remembers a subscription request by its input object. A `lastEventId` beside the input is moved
 * into it here, as tRPC's handler would do next (`{ ...input, lastEventId }`): tRPC then hands the
 * procedure this very object. Anything that is not a well-formed subscription request is left as it is.
 */
function rememberSubscription(message: unknown): void {
  if (!isRecord(message) || message.method !== "subscription" || !isRecord(message.params)) return;
  const { id, jsonrpc, params } = message;
  if (!(typeof id === "string" || (typeof id === "number" && Number.isFinite(id)))) return;
  if (!(jsonrpc === undefined || jsonrpc === "2.0")) return;
  const input = params.input;
  if (!isRecord(input) || Array.isArray(input)) return;
  if (params.lastEventId === undefined) return rememberSubscriptionRequest(input, { id, jsonrpc });
  if (typeof params.lastEventId !== "string") return;
  const withLastEventId = { ...input, lastEventId: params.lastEventId };
  params.input = withLastEventId;
  delete params.lastEventId;
  rememberSubscriptionRequest(withLastEventId, { id, jsonrpc });
}

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
