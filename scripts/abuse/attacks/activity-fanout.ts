import type WebSocket from "ws";
import { anonymousSession, boundedAgent } from "../http";
import { sleep } from "../tally";
import { closeAll, openTrpcSocket, outcomeOf, parseAnswers, sendFrame } from "../trpc-ws";
import { type Attack, timeLeft } from "./attack";

const SOCKETS = 10;
const PER_SOCKET = 100;

export const activityFanout: Attack = {
  name: "activity-fanout",
  summary: `one anonymous owner holds ${SOCKETS * PER_SOCKET} run.activity subscriptions (${SOCKETS} sockets × ${PER_SOCKET})`,
  async run(context) {
    const { tally } = context;
    const agent = boundedAgent(2);
    const sockets: WebSocket[] = [];
    const answered = new Set<string>();
    let closedByServer = 0;
    try {
      const cookie = await anonymousSession(agent, context.port);
      for (let s = 0; s < SOCKETS && timeLeft(context) > 0; s++) {
        const socket = await openTrpcSocket(context.port, cookie);
        sockets.push(socket);
        socket.on("message", (frame) => {
          for (const answer of parseAnswers(frame)) {
            const key = `${s}:${String(answer.id)}`;
            if (answer.result?.type === "data") tally.count("activity messages");
            else if (!answered.has(key) && (answer.result?.type === "started" || answer.error)) {
              answered.add(key);
              tally.record(outcomeOf(answer));
            }
          }
        });
        socket.on("close", () => {
          if (!context.signal.aborted) closedByServer += 1;
        });
        socket.on("error", () => {});
        const frame = Array.from({ length: PER_SOCKET }, (_, i) => ({
          id: i + 1,
          method: "subscription" as const,
          params: { path: "run.activity" },
        }));
        await sendFrame(socket, frame);
        tally.sent += PER_SOCKET;
      }
      // Hold every subscription open while the victim works.
      await sleep(timeLeft(context));
    } finally {
      closeAll(sockets);
      agent.destroy();
      tally.classes.hung += Math.max(0, tally.sent - answered.size);
      if (closedByServer > 0) tally.count("sockets closed by the server", closedByServer);
    }
  },
};
