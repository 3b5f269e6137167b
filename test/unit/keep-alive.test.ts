import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { sweepKeepAlive, type KeepAliveSocket } from "../../src/server/http/keep-alive";

const settings = { pingMs: 30_000, pongWaitMs: 10_000 };

function socket(lastHeardAt: number, pingedAt = 0, readyState: number = WebSocket.OPEN) {
  const sent: string[] = [];
  let terminated = false;
  const state: KeepAliveSocket & { sent: string[]; terminated(): boolean } = {
    readyState,
    lastHeardAt,
    pingedAt,
    sent,
    send: (data) => sent.push(data),
    terminate: () => (terminated = true),
    terminated: () => terminated,
  };
  return state;
}

describe("sweepKeepAlive", () => {
  it("leaves a socket heard from within pingMs alone", () => {
    const heard = socket(1_000);
    sweepKeepAlive([heard], settings, 30_999);
    expect(heard.sent).toEqual([]);
    expect(heard.terminated()).toBe(false);
  });

  it("pings a socket silent for pingMs, once, and drops it pongWaitMs after if still silent", () => {
    const silent = socket(1_000);
    sweepKeepAlive([silent], settings, 31_000);
    expect(silent.sent).toEqual(["PING"]);
    expect(silent.pingedAt).toBe(31_000);
    sweepKeepAlive([silent], settings, 40_999);
    expect(silent.sent).toEqual(["PING"]);
    expect(silent.terminated()).toBe(false);
    sweepKeepAlive([silent], settings, 41_000);
    expect(silent.terminated()).toBe(true);
  });

  it("counts an answer after the PING: the socket is pinged again only pingMs after it", () => {
    const answering = socket(1_000, 31_000);
    answering.lastHeardAt = 31_005; // its PONG
    sweepKeepAlive([answering], settings, 45_000);
    expect(answering.terminated()).toBe(false);
    expect(answering.sent).toEqual([]);
    sweepKeepAlive([answering], settings, 61_005);
    expect(answering.sent).toEqual(["PING"]);
  });

  it("skips sockets that are not open", () => {
    const closing = socket(0, 0, WebSocket.CLOSING);
    sweepKeepAlive([closing], settings, 100_000);
    expect(closing.sent).toEqual([]);
    expect(closing.terminated()).toBe(false);
  });
});
