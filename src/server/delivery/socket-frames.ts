import type { RunEvent } from "../events/types";

/** Where a subscription's messages go on its socket: tRPC's id of the subscription, and its jsonrpc. */
export interface SubscriptionAddress {
  id: string | number;
  jsonrpc: string | undefined;
}

/** The part of a WebSocket the frames are written to (ws's `send`, guarded by the server's class). */
export interface FrameSocket {
  send(data: Buffer, options: { binary: false }, cb?: (err?: Error) => void): void;
}

/**
 * The text of a tracked data message, `{ id, jsonrpc?, result: { type: "data", data: { id, data }, id } }`,
 * byte for byte what `JSON.stringify` writes for the message tRPC's WebSocket handler builds, with
 * the payload's JSON already made.
 */
export function trackedDataText(address: SubscriptionAddress, trackedId: string, payloadJson: string): string {
  const id = JSON.stringify(trackedId);
  const jsonrpc = address.jsonrpc === undefined ? "" : `,"jsonrpc":${JSON.stringify(address.jsonrpc)}`;
  return `{"id":${JSON.stringify(address.id)}${jsonrpc},"result":{"type":"data","data":{"id":${id},"data":${payloadJson}},"id":${id}}}`;
}

// The JSON of each tracked payload (a run's event) already encoded, by the object itself: the fan-out
// hands the same event object to every subscriber of a run, and a shared backfill read the same page.
const payloadJson = new WeakMap<object, string>();

/** `JSON.stringify(payload)`, once per payload object. Payloads must not change once sent (events don't). */
export function encodedPayload(payload: object): string {
  let json = payloadJson.get(payload);
  if (json === undefined) payloadJson.set(payload, (json = JSON.stringify(payload)));
  return json;
}

// The frames of an event written straight to sockets, by subscription address: clients number their
// subscriptions alike (the first is 1), so most sockets of a run get the very same bytes.
const eventFrames = new WeakMap<RunEvent, Map<string, Buffer>>();

function eventFrame(address: SubscriptionAddress, key: string, event: RunEvent): Buffer {
  let frames = eventFrames.get(event);
  if (!frames) eventFrames.set(event, (frames = new Map<string, Buffer>()));
  let frame = frames.get(key);
  if (!frame) {
    frame = Buffer.from(trackedDataText(address, String(event.seq), encodedPayload(event)));
    frames.set(key, frame);
  }
  return frame;
}

// The subscription requests the WebSocket encoder decoded, by their input object: tRPC hands a
// procedure that very object as its raw input, which is how a subscription learns its own id.
const subscriptionRequests = new WeakMap<object, SubscriptionAddress>();

/** Called by the WebSocket decoder for each subscription request whose input is an object. */
export function rememberSubscriptionRequest(input: object, address: SubscriptionAddress): void {
  subscriptionRequests.set(input, address);
}

/**
 * Writes a run's events to a subscription's socket as the tracked data messages tRPC would send
 * for `tracked(String(event.seq), event)`, bypassing tRPC's per-message path: one frame per event
 * for every subscription with the same address. Null when the subscription is not one the decoder
 * saw (not over our WebSocket, or tRPC did not hand over the decoded input): it is then served the
 * ordinary way.
 */
export async function socketDelivery(
  rawInput: Promise<unknown> | null,
  socket: FrameSocket | undefined,
): Promise<((event: RunEvent) => void) | null> {
  if (!socket || !rawInput) return null;
  const raw = await rawInput;
  const address = typeof raw === "object" && raw !== null ? subscriptionRequests.get(raw) : undefined;
  if (!address) return null;
  const key = `${typeof address.id}:${address.id}:${address.jsonrpc ?? ""}`;
  return (event) => socket.send(eventFrame(address, key, event), TEXT_FRAME);
}

/** The raw input of a procedure call: tRPC passes `getRawInput` on to the resolver, though it is not typed. */
export function rawInputOf(procedure: object): Promise<unknown> | null {
  const { getRawInput } = procedure as { getRawInput?: unknown };
  return typeof getRawInput === "function" ? (getRawInput as () => Promise<unknown>)() : null;
}

const TEXT_FRAME = { binary: false } as const;

/**
 * The address of a subscription the decoder saw (see socketDelivery), for what else writes its frames
 * (the backfill, delivery/backfill-frames.ts); null when it is not one.
 */
export async function subscriptionAddress(rawInput: Promise<unknown> | null): Promise<SubscriptionAddress | null> {
  const raw = rawInput ? await rawInput : undefined;
  return (typeof raw === "object" && raw !== null ? subscriptionRequests.get(raw) : undefined) ?? null;
}
