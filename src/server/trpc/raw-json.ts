// JSON text put into an HTTP answer as it is. A procedure whose result holds text that is already
// JSON (a page of events made by Postgres) returns a stand-in for it; tRPC stringifies the stand-in
// as a marker, and the answer's body has each marker replaced by its text on the way out. The
// server then never parses or re-encodes that text.
import { randomBytes } from "node:crypto";
import type http from "node:http";

/** What JSON.stringify writes for a held text until it is spliced in. */
interface RawJsonStandIn {
  toJSON(): string;
}

/** One HTTP answer's held texts. */
export class RawJsonSplicer {
  // Random per answer: no text a caller stored can spell another answer's marker, or this one's.
  // Made when first needed: most answers hold nothing.
  private prefix = "";
  private readonly held: string[] = [];

  /** A value that stands for `json` in the result: it is written into the answer as that text. */
  hold<T>(json: string): T {
    this.prefix ||= `raw-json:${randomBytes(12).toString("hex")}:`;
    const marker = `${this.prefix}${this.held.length}`;
    this.held.push(json);
    const standIn: RawJsonStandIn = { toJSON: () => marker };
    return standIn as T;
  }

  /** The body with each held text in place of its marker (a JSON string: in quotes). */
  splice(body: Buffer): Buffer {
    if (!this.holding) return body;
    const parts: Buffer[] = [];
    let from = 0;
    for (;;) {
      const at = body.indexOf(`"${this.prefix}`, from);
      if (at < 0) break;
      const end = body.indexOf('"', at + 1);
      const index = Number(body.subarray(at + 1 + this.prefix.length, end).toString("latin1"));
      parts.push(body.subarray(from, at), Buffer.from(this.held[index]!, "utf8"));
      from = end + 1;
    }
    if (parts.length === 0) return body;
    parts.push(body.subarray(from));
    return Buffer.concat(parts);
  }

  get holding(): boolean {
    return this.held.length > 0;
  }
}

type Callback = (error?: Error | null) => void;

/**
 * A splicer for the answer `res` sends: while it holds nothing the answer goes out untouched; once
 * it holds text, the body is kept until the answer ends and sent spliced (in one write, so Node
 * gives it a Content-Length).
 */
export function spliceRawJson(res: http.ServerResponse): RawJsonSplicer {
  const splicer = new RawJsonSplicer();
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
  const kept: Buffer[] = [];
  const keep = (chunk: unknown) => {
    if (typeof chunk === "string") kept.push(Buffer.from(chunk, "utf8"));
    else if (chunk instanceof Uint8Array) kept.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  const callbackIn = (args: unknown[]) => args.find((arg): arg is Callback => typeof arg === "function");
  res.write = ((...args: unknown[]) => {
    if (!splicer.holding) return write(...args);
    keep(args[0]);
    const callback = callbackIn(args);
    if (callback) process.nextTick(callback);
    return true;
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    if (!splicer.holding) return end(...args);
    keep(args[0]);
    const callback = callbackIn(args);
    return callback ? end(splicer.splice(Buffer.concat(kept)), callback) : end(splicer.splice(Buffer.concat(kept)));
  }) as typeof res.end;
  return splicer;
}
