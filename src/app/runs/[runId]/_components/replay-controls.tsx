"use client";

import { useState } from "react";
import { REPLAY_SPEEDS, type ReplaySpeed } from "../_lib/use-replay";
import styles from "./timeline.module.css";

interface ReplayControlsProps {
  lastSeq: number;
  position: number;
  playing: boolean;
  speed: ReplaySpeed;
  onPlay: () => void;
  onPause: () => void;
  onSpeed: (speed: ReplaySpeed) => void;
  onSeek: (seq: number) => void;
  onExit: () => void;
}

/** Play, pause, pace and a scrubber over the run's seqs. */
export function ReplayControls(props: ReplayControlsProps) {
  // The scrubber moves freely while dragged and seeks when let go.
  const [dragging, setDragging] = useState<number | null>(null);
  return (
    <div className={styles.filter} role="group" aria-label="Replay" data-testid="replay-controls">
      {props.playing ? (
        <button type="button" className={styles.edgeButton} onClick={props.onPause}>
          Pause
        </button>
      ) : (
        <button type="button" className={styles.edgeButton} onClick={props.onPlay}>
          Play
        </button>
      )}
      <select
        aria-label="Replay speed"
        value={props.speed}
        onChange={(event) => props.onSpeed(Number(event.target.value) as ReplaySpeed)}
      >
        {REPLAY_SPEEDS.map((speed) => (
          <option key={speed} value={speed}>
            {speed}×
          </option>
        ))}
      </select>
      <input
        type="range"
        aria-label="Replay position"
        min={0}
        max={props.lastSeq}
        value={dragging ?? props.position}
        onChange={(event) => setDragging(Number(event.target.value))}
        onPointerUp={() => {
          if (dragging !== null) props.onSeek(dragging);
          setDragging(null);
        }}
        onKeyUp={() => {
          if (dragging !== null) props.onSeek(dragging);
          setDragging(null);
        }}
      />
      <span className="muted" data-testid="replay-position">
        #{props.position} of {props.lastSeq}
      </span>
      <button type="button" className={styles.edgeButton} onClick={props.onExit}>
        Exit replay
      </button>
    </div>
  );
}
