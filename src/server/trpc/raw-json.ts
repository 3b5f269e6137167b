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
  private readonly prefix = `raw-json:${randomBytes(12).toString("hex")}:`;
  private readonly held: string[] = [];

  /** A value that stands for `json` in the result: it is written into the answer as that text. */
  hold<T>(json: string): T {
    const marker = `${this.prefix}${this.held.length}`;
    this.held.push(json);
    const standIn: RawJsonStandIn = { toJSON: () => marker };
    return standIn as T;
  }

  /** The body with each held text in place of its marker (a JSON string: in quotes). */
  splice(body: Buffer): Buffer {
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

type Chunk = string | Uint8Array;

/**
 * A splicer for the answer `res` sends: while it holds nothing the answer goes out untouched; once
 * it holds text, the body is kept until the answer ends and sent spliced.
 */
export function spliceRawJson(res: http.ServerResponse): RawJsonSplicer {
  const splicer = new RawJsonSplicer();
  const write = res.write.bind(res) as (chunk: Chunk) => boolean;
  const end = res.end.bind(res) as (chunk?: Chunk) => http.ServerResponse;
  const kept: Buffer[] = [];
  const keep = (chunk: Chunk) => kept.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  res.write = ((chunk: Chunk, ...rest: unknown[]) => {
    if (!splicer.holding) return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    keep(chunk);
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: Chunk | (() => void), ...rest: unknown[]) => {
    if (!splicer.holding) return (end as (...args: unknown[]) => http.ServerResponse)(chunk, ...rest);
    if (chunk !== undefined && typeof chunk !== "function") keep(chunk);
    return end(splicer.splice(Buffer.concat(kept)));
  }) as typeof res.end;
  return splicer;
}
