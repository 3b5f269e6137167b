import type http from "node:http";
import { anonymousSession, boundedAgent, call } from "../http";
import { type Attack, loopUntil, timeLeft } from "./attack";

const BODY_BYTES = 50 * 1024 * 1024;
const PARALLEL = 3;
const TOTAL_BYTES_CAP = 12 * BODY_BYTES;
const CHUNK = Buffer.alloc(64 * 1024, "a");

/** Resolves when the request can take more, or is gone. */
function writable(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off("drain", done).off("close", done);
      resolve();
    };
    req.on("drain", done).on("close", done);
  });
}

export const bigBody: Attack = {
  name: "big-body",
  summary: `POST ${BODY_BYTES / 2 ** 20} MB bodies to run.start, ${PARALLEL} at a time, every other one chunked (no Content-Length)`,
  async run(context) {
    const agent = boundedAgent(PARALLEL);
    let bytesWritten = 0;
    try {
      const cookie = await anonymousSession(agent, context.port);
      await loopUntil(context, PARALLEL, TOTAL_BYTES_CAP / BODY_BYTES, async (i) => {
        const chunked = i % 2 === 1;
        const head = Buffer.from('{"appPath":"');
        const tail = Buffer.from('"}');
        const stream = async (req: http.ClientRequest) => {
          req.write(head);
          for (let left = BODY_BYTES - head.length - tail.length; left > 0 && !req.destroyed;) {
            const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
            left -= piece.length;
            bytesWritten += piece.length;
            if (!req.write(piece)) await writable(req);
          }
          req.write(tail);
        };
        context.tally.sent += 1;
        const { outcome } = await call(agent, context.port, {
          method: "POST",
          path: "/api/trpc/run.start",
          headers: {
            cookie,
            "content-type": "application/json",
            ...(chunked ? {} : { "content-length": String(BODY_BYTES) }),
          },
          body: stream,
          timeoutMs: timeLeft(context) + 2_000,
        });
        context.tally.record(outcome);
        if ("status" in outcome) context.tally.count(`${chunked ? "chunked" : "sized"} ${outcome.status}`);
      });
    } finally {
      agent.destroy();
      context.tally.count("MB written", Math.round(bytesWritten / 2 ** 20));
    }
  },
};
