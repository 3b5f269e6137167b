import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RawJsonSplicer, spliceRawJson } from "../../src/server/trpc/raw-json";

describe("RawJsonSplicer", () => {
  it("puts each held text where JSON.stringify wrote its stand-in, and leaves everything else as it is", () => {
    const splicer = new RawJsonSplicer();
    const result = {
      first: splicer.hold('[{"a":1},{"b":"x"}]'),
      // Text a caller stored can look like a marker; only this answer's markers are replaced.
      stored: "raw-json:000000000000000000000000:0",
      second: splicer.hold("[]"),
      text: "é 漢字",
    };
    const body = Buffer.from(JSON.stringify([{ result: { data: result } }]));
    expect(JSON.parse(splicer.splice(body).toString("utf8"))).toEqual([
      {
        result: {
          data: {
            first: [{ a: 1 }, { b: "x" }],
            stored: "raw-json:000000000000000000000000:0",
            second: [],
            text: "é 漢字",
          },
        },
      },
    ]);
  });

  it("holding nothing, returns the body itself", () => {
    const body = Buffer.from('{"a":"raw-json:x:0"}');
    expect(new RawJsonSplicer().splice(body)).toBe(body);
  });
});

describe("spliceRawJson", () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A server answering each request with `answer(res)`, and the text of one answer. */
  async function answered(answer: (res: http.ServerResponse) => void): Promise<string> {
    server = http.createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return response.text();
  }

  it("sends an answer that holds text whole, with the text in place, however it was written", async () => {
    const called: string[] = [];
    let ended = () => {};
    const endCalled = new Promise<void>((resolve) => (ended = resolve));
    const text = await answered((res) => {
      const splicer = spliceRawJson(res);
      const body = JSON.stringify({ events: splicer.hold('[{"seq":1}]'), hasMore: false });
      res.write(body.slice(0, 5));
      res.write(new TextEncoder().encode(body.slice(5, 20)), () => called.push("write"));
      res.end(body.slice(20), () => {
        called.push("end");
        ended();
      });
    });
    expect(JSON.parse(text)).toEqual({ events: [{ seq: 1 }], hasMore: false });
    await endCalled;
    expect(called).toEqual(["write", "end"]);
  });

  it("passes an answer that holds nothing through as it is written", async () => {
    const text = await answered((res) => {
      spliceRawJson(res);
      res.write('{"a":');
      res.end("1}");
    });
    expect(text).toBe('{"a":1}');
  });
});
