import type net from "node:net";
import type WebSocket from "ws";
import { anonymousSession, boundedAgent, startRunAs } from "../http";
import { sleep } from "../tally";
import { closeAll, openTrpcSocket, outcomeOf, parseAnswers, sendFrame, type TrpcRequest } from "../trpc-ws";
import { type Attack, type AttackContext, timeLeft } from "./attack";

const SOCKETS = 4;
/** Calls sent at most; enough that the attack lasts its window (the kernel takes ~100,000 before the server reads). */
const QUERY_CAP = 1_000_000;
const OWN_RUNS = 20; // so every run.list answer carries a full page of runs
const READ_BACK_MS = 2_000;
/** How soon a socket the server closed (or refused) is replaced: an attacker that keeps coming back. */
const RECONNECT_MS = 50;

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
  let dropped = 0;
  /** A socket that never reads (from the kernel on: its answers pile up in the server's buffers). */
  const openDeafSocket = async (cookie: string): Promise<WebSocket | null> => {
    const socket = await openTrpcSocket(context.port, cookie).catch(() => null);
    if (!socket) return null;
    sockets.push(socket);
    socket.on("message", (frame) => {
      for (const answer of parseAnswers(frame)) {
        answered += 1;
        tally.record(outcomeOf(answer));
      }
    });
    socket.on("close", () => (dropped += 1));
    socket.on("error", () => {});
    underlying(socket).pause();
    return socket;
  };
  /** Sends frames until the window ends or the server closes the socket (or stops taking them). */
  const sendUntilClosed = async (socket: WebSocket) => {
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
      if (sent !== true) return;
      tally.sent += perFrame;
      tally.count("frames sent");
    }
  };
  try {
    const cookie = await anonymousSession(agent, context.port);
    // Started alongside, not before: the bigger run.list answers come as they land.
    ownRuns = Promise.all(
      Array.from({ length: OWN_RUNS }, () => startRunAs(agent, context.port, cookie, { stepDelayMs: 0 }, 5_000)),
    );
    // A socket the server closes is replaced by a new one, for as long as the window lasts.
    await Promise.all(
      Array.from({ length: SOCKETS }, async () => {
        while (timeLeft(context) > 0 && tally.sent < QUERY_CAP) {
          const socket = await openDeafSocket(cookie);
          if (socket) await sendUntilClosed(socket);
          else tally.count("sockets refused");
          await sleep(Math.min(RECONNECT_MS, timeLeft(context)));
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
