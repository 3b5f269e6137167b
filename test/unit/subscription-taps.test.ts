import type { Operation, TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { describe, expect, it } from "vitest";
import type { AppRouter } from "../../packages/client/src/contract";
import {
  SubscriptionTaps,
  TappedUntypedClient,
  tapRunEvents,
  type DataResult,
} from "../../packages/client/src/subscription-taps";

const dataFrame = (id: number | string, seq: number) =>
  JSON.stringify({ id, result: { type: "data", data: { id: String(seq), data: { seq } }, id: String(seq) } });

/** The typed client over a link that stands for the WebSocket link: it keeps each operation and answers nothing. */
function clientOverRecordingLink(taps: SubscriptionTaps | null) {
  const sent: Operation[] = [];
  const socketLink: TRPCLink<AppRouter> =
    () =>
    ({ op }) =>
      observable(() => void sent.push(op));
  return { client: new TappedUntypedClient({ links: [socketLink] }, taps), sent };
}

describe("SubscriptionTaps", () => {
  it("takes the data messages of a tapped subscription, by the id the server writes first", () => {
    const taps = new SubscriptionTaps();
    const taken: DataResult[] = [];
    taps.add(-3, (result) => taken.push(result));
    expect(taps.take(dataFrame(-3, 7))).toBe(true);
    expect(taken).toEqual([{ type: "data", data: { id: "7", data: { seq: 7 } }, id: "7" }]);
  });

  it("leaves to tRPC's client what is not a tapped subscription's data", () => {
    const taps = new SubscriptionTaps();
    const taken: DataResult[] = [];
    taps.add(1, (result) => taken.push(result));
    expect(taps.take(dataFrame(2, 7))).toBe(false); // another subscription
    expect(taps.take(dataFrame(11, 7))).toBe(false); // an id that merely starts alike
    expect(taps.take(dataFrame("1", 7))).toBe(false); // a string id is another id
    expect(taps.take(JSON.stringify({ id: 1, result: { type: "started" } }))).toBe(false);
    expect(taps.take(JSON.stringify({ id: 1, error: { message: "no" } }))).toBe(false);
    expect(taps.take('{"id":1,"result":')).toBe(false); // not JSON: tRPC's client reports it
    expect(taps.take("PONG")).toBe(false);
    expect(taken).toEqual([]);
  });

  it("stops taking once untapped; a later tap of the same id is not undone by the earlier untap", () => {
    const taps = new SubscriptionTaps();
    const untap = taps.add(5, () => {});
    untap();
    expect(taps.take(dataFrame(5, 1))).toBe(false);
    const later: DataResult[] = [];
    taps.add(5, (result) => later.push(result));
    untap();
    expect(taps.take(dataFrame(5, 2))).toBe(true);
    expect(later).toHaveLength(1);
  });

  it("tapRunEvents keeps the subscription's input at the last event taken, for the resend on reconnect", () => {
    const taps = new SubscriptionTaps();
    const input = { runId: "r", fromSeq: 2 };
    const seqs: number[] = [];
    tapRunEvents(taps, 9, input, (result) => seqs.push((result.data as { data: { seq: number } }).data.seq));
    taps.take(dataFrame(9, 3));
    taps.take(dataFrame(9, 4));
    expect(seqs).toEqual([3, 4]);
    expect(input).toEqual({ runId: "r", fromSeq: 2, lastEventId: "4" });
  });

  it("the typed client hands a tapped run.events message to the subscriber's onData; other subscriptions' context is untouched", () => {
    const taps = new SubscriptionTaps();
    const { client, sent } = clientOverRecordingLink(taps);
    const received: unknown[] = [];
    const options = {
      onData(this: unknown, value: unknown) {
        received.push([this, value]);
      },
    };
    client.subscription("run.events", { runId: "r" }, options);
    client.subscription("run.activity", {}, { onData: () => {}, context: { mine: 1 } });
    const [events, activity] = sent;
    expect(taps.take(dataFrame(events!.id, 5))).toBe(true);
    expect(received).toEqual([[options, { id: "5", data: { seq: 5 } }]]);
    expect(events!.input).toEqual({ runId: "r", lastEventId: "5" });
    expect(Object.getOwnPropertySymbols(activity!.context)).toEqual([]);
    expect(activity!.context).toEqual({ mine: 1 });
  });

  it("without taps (a browser's WebSocket) the client is tRPC's: nothing put in a subscription's context", () => {
    const { client, sent } = clientOverRecordingLink(null);
    client.subscription("run.events", { runId: "r" }, { onData: () => {} });
    expect(sent).toHaveLength(1);
    expect(Object.getOwnPropertySymbols(sent[0]!.context)).toEqual([]);
    expect(sent[0]!.input).toEqual({ runId: "r" });
  });
});
