import { useCallback, useEffect, useRef, useState } from "react";
import type { RunEvent } from "../../../_trpc/types";
import { WINDOW_MAX_EVENTS } from "./event-window";
import { usePageReader } from "./use-run-timeline";

export const REPLAY_SPEEDS = [1, 10, 100] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

/** A recorded gap longer than this (ms) is replayed as this long, so a replay never waits minutes. */
export const REPLAY_MAX_GAP_MS = 2_000;
const PAGE = 200;
/** The next page is read when this few events are left to play. */
const REFILL_AT = 50;
const TICK_MS = 16;

interface ReplayState {
  /** The events played so far (the newest WINDOW_MAX_EVENTS of them). */
  played: RunEvent[];
  playing: boolean;
  speed: ReplaySpeed;
}

/**
 * Plays a finished run's events again from the first one, at 1×, 10× or 100× the pace they were
 * recorded at (from their timestamps, long gaps capped), reading them a page at a time with
 * `afterSeq`; `seek` jumps to any seq (the page before it is shown played).
 */
export function useReplay(runId: string, lastSeq: number) {
  const readPage = usePageReader(runId);
  const [state, setState] = useState<ReplayState>({ played: [], playing: false, speed: 10 });
  /** The seq a seek asked for, until its page arrives: the scrubber stays where it was let go. */
  const [seeking, setSeeking] = useState<number | null>(null);
  const queue = useRef<RunEvent[]>([]);
  const reading = useRef<Promise<void> | null>(null);
  const generation = useRef(0);
  /** Replay time owed to the next event (ms of recorded time), and the recorded time of the last played. */
  const clock = useRef({ credit: 0, lastTs: null as number | null, lastSeq: 0 });

  const refill = useCallback(() => {
    if (reading.current) return;
    const mine = generation.current;
    const after = queue.current.at(-1)?.seq ?? clock.current.lastSeq;
    if (after >= lastSeq) return;
    reading.current = readPage({ afterSeq: after, limit: PAGE })
      .then((page) => {
        if (mine === generation.current) queue.current.push(...page.events.filter((event) => event.seq > after));
      })
      .catch(() => {})
      .finally(() => {
        reading.current = null;
      });
  }, [readPage, lastSeq]);

  const seek = useCallback(
    async (seq: number) => {
      const mine = ++generation.current;
      queue.current = [];
      reading.current = null;
      const target = Math.min(Math.max(0, seq), lastSeq);
      setSeeking(target);
      const before = target > 0 ? await readPage({ beforeSeq: target + 1, limit: PAGE }) : { events: [] };
      if (mine !== generation.current) return;
      clock.current = { credit: 0, lastTs: before.events.at(-1)?.ts ?? null, lastSeq: target };
      setState((current) => ({ ...current, played: before.events }));
      setSeeking(null);
      refill();
    },
    [readPage, lastSeq, refill],
  );

  useEffect(() => {
    if (!state.playing) return;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      clock.current.credit += (now - last) * state.speed;
      last = now;
      const due: RunEvent[] = [];
      while (queue.current.length > 0) {
        const next = queue.current[0]!;
        const gap = clock.current.lastTs === null ? 0 : Math.min(next.ts - clock.current.lastTs, REPLAY_MAX_GAP_MS);
        if (gap > clock.current.credit) break;
        clock.current.credit -= Math.max(0, gap);
        clock.current.lastTs = next.ts;
        clock.current.lastSeq = next.seq;
        due.push(queue.current.shift()!);
      }
      if (due.length === 0) clock.current.credit = Math.min(clock.current.credit, REPLAY_MAX_GAP_MS);
      if (queue.current.length < REFILL_AT) refill();
      const finished = clock.current.lastSeq >= lastSeq;
      if (due.length > 0 || finished)
        setState((current) => ({
          ...current,
          played: due.length > 0 ? [...current.played, ...due].slice(-WINDOW_MAX_EVENTS) : current.played,
          playing: !finished && current.playing,
        }));
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [state.playing, state.speed, refill, lastSeq]);

  return {
    played: state.played,
    playing: state.playing,
    speed: state.speed,
    position: seeking ?? state.played.at(-1)?.seq ?? 0,
    play: () => setState((current) => ({ ...current, playing: true })),
    pause: () => setState((current) => ({ ...current, playing: false })),
    setSpeed: (speed: ReplaySpeed) => setState((current) => ({ ...current, speed })),
    seek,
  };
}
