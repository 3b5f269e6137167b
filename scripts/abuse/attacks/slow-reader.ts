import type net from "node:net";
import type WebSocket from "ws";
import { anonymousSession, boundedAgent, startRunAs } from "../http";
import { sleep } from "../tally";
import { closeAll, openTrpcSocket, outcomeOf, parseAnswers, sendFrame, type TrpcRequest } from "../trpc-ws";
import { type Attack, type AttackContext, timeLeft } from "./attack";

const SOCKETS = 4;
const QUERY_CAP = 100_000;
const OWN_RUNS = 20; // so every run.list answer carries a full page of runs
const READ_BACK_MS = 2_000;

const underlying = (socket: WebSocket) => (socket as unknown as { _socket: net.Socket })._socket;

/**
 * Sockets that never read, sending run.list batches of `perFrame` as fast as the server takes them:
 * 200 a frame is more than a socket may ever hold (the server closes it), 20 is the most one
 * message may batch (WS_MAX_BATCH_SIZE), so every call of it runs.
 */
function slowReaderAttack(name: string, perFrame: number): Attack {
  return {
    name,
    summary: `${SOCKETS} WebSockets that never read, sending run.list batches (${perFrame} a frame) as fast as the server takes them`,
    run: (context) => playSlowReader(context, perFrame),
  };
}

export const slowReader = slowReaderAttack("slow-reader", 200);
export const slowReaderBatches = slowReaderAttack("slow-batches", 20);

async function playSlowReader(context: AttackContext, perFrame: number): Promise<void> {
  const { tally } = context;
  const agent = boundedAgent(4);
  const sockets: WebSocket[] = [];
  let answered = 0;
  let ownRuns: Promise<unknown> = Promise.resolve();
  let nextId = 1;
  try {
    const cookie = await anonymousSession(agent, context.port);
    // Started alongside, not before: the bigger run.list answers come as they land.
    ownRuns = Promise.all(
      Array.from({ length: OWN_RUNS }, () => startRunAs(agent, context.port, cookie, { stepDelayMs: 0 }, 5_000)),
    );
    sockets.push(...(await Promise.all(Array.from({ length: SOCKETS }, () => openTrpcSocket(context.port, cookie)))));
    let dropped = 0;
    for (const socket of sockets) {
      socket.on("message", (frame) => {
        for (const answer of parseAnswers(frame)) {
          answered += 1;
          tally.record(outcomeOf(answer));
        }
      });
      socket.on("close", () => (dropped += 1));
      socket.on("error", () => {});
      underlying(socket).pause();
    }
    await Promise.all(
      sockets.map(async (socket) => {
        while (timeLeft(context) > 0 && tally.sent < QUERY_CAP && socket.readyState === socket.OPEN) {
          const frame: TrpcRequest[] = Array.from({ length: perFrame }, () => ({
            id: nextId++,
            method: "query",
            params: { path: "run.list", input: { limit: 100 } },
          }));
          // Resolves only once the kernel took the frame: the server has to read for us to go on.
          const sent = await Promise.race([
            sendFrame(socket, frame).then(
              () => true,
              () => false,
            ),
            sleep(timeLeft(context)),
          ]);
          if (sent !== true) break;
          tally.sent += perFrame;
          tally.count("frames sent");
        }
      }),
    );
    // Read what the server kept for us for a moment: what is still unanswered then is "hung".
    for (const socket of sockets) underlying(socket).resume();
    await sleep(READ_BACK_MS);
    tally.count("sockets closed by the server", dropped);
  } finally {
    closeAll(sockets);
    await ownRuns;
    agent.destroy();
    tally.classes.hung += Math.max(0, tally.sent - answered);
  }
}
