"use client";

import { memo, useMemo, useRef, useState } from "react";
import type { RunEvent } from "../../../_trpc/types";
import { layoutScreenGraph, NODE_HEIGHT, NODE_WIDTH, type GraphLayout } from "../_lib/graph-layout";
import { screenGraphOf, type ScreenGraph } from "../_lib/screen-graph";
import styles from "./screen-graph.module.css";

const LABEL_CHARACTERS = 22;
// Long titles keep their start and their end: sibling pages often differ only at the end.
const label = (title: string) =>
  title.length > LABEL_CHARACTERS ? `${title.slice(0, 10)}…${title.slice(-(LABEL_CHARACTERS - 11))}` : title;
// "Home · Trailhead Outfitters" → "Home": the site's name repeats on every screen.
const shortTitle = (title: string) => title.split(/\s[·|–—-]\s/)[0] || title;

/**
 * Lays the graph out again only when a screen or a link was added: events that add neither (most
 * of a timeline) keep the same layout object, so the memoised drawing is not redone.
 */
function useLayout(graph: ScreenGraph): GraphLayout {
  const cache = useRef<{ shape: string; layout: GraphLayout } | null>(null);
  const shape = `${graph.screens.length}/${graph.edges.length}`;
  if (cache.current?.shape !== shape) cache.current = { shape, layout: layoutScreenGraph(graph) };
  return cache.current.layout;
}

/**
 * The screens a crawl discovered so far, drawn as they arrive, with the link each was found by;
 * a screen's other links (navigation bars link everything to everything) show while it is hovered
 * or selected. Hovering a screen shows its URL; selecting it (click or Enter) highlights its events
 * in the timeline.
 */
export function ScreenGraphView({
  events,
  selected,
  onSelect,
}: {
  events: readonly RunEvent[];
  selected: string | null;
  onSelect: (url: string | null) => void;
}) {
  const graph = useMemo(() => screenGraphOf(events), [events]);
  const layout = useLayout(graph);
  const [hovered, setHovered] = useState<string | null>(null);
  if (graph.screens.length === 0) return null;

  const focus = hovered ?? selected;
  const focused = focus ? graph.screens.find((screen) => screen.url === focus) : undefined;
  return (
    <section className={`card ${styles.graph}`} aria-labelledby="screen-graph-heading">
      <div className={styles.heading}>
        <h2 id="screen-graph-heading">Screen graph</h2>
        <span className={styles.counts} data-testid="screen-graph-counts">
          {graph.screens.length} {graph.screens.length === 1 ? "screen" : "screens"} · {graph.edges.length}{" "}
          {graph.edges.length === 1 ? "link" : "links"}
        </span>
      </div>
      <div className={styles.canvas}>
        <svg
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          width={layout.width}
          height={layout.height}
          role="group"
          aria-label="Screens and the links between them"
        >
          <defs>
            <marker
              id="screen-graph-arrow"
              viewBox="0 0 8 8"
              refX="7"
              refY="4"
              markerWidth="7"
              markerHeight="7"
              orient="auto"
            >
              <path d="M0,0 L8,4 L0,8 z" className={styles.arrow} />
            </marker>
          </defs>
          <TreeLinks layout={layout} />
          {focus ? <FocusLinks layout={layout} focus={focus} /> : null}
          <Screens layout={layout} selected={selected} onHover={setHovered} onSelect={onSelect} />
        </svg>
      </div>
      <p className={styles.detail} aria-live="polite">
        {focused ? (
          <>
            <strong>{focused.title}</strong> · depth {focused.depth} ·{" "}
            <span className={styles.url} data-testid="screen-graph-url">
              {focused.url}
            </span>
          </>
        ) : (
          "Hover a screen for its URL and links; select it to highlight its events in the timeline."
        )}
      </p>
    </section>
  );
}

const pathOf = (points: { x: number; y: number }[]) =>
  points.map((point, i) => `${i === 0 ? "M" : "L"}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(" ");

// Memoised by layout: hovering redraws only the focused screen's links.
const TreeLinks = memo(function TreeLinks({ layout }: { layout: GraphLayout }) {
  return layout.edges
    .filter((edge) => edge.tree)
    .map((edge) => (
      <path
        key={`${edge.from} ${edge.to}`}
        d={pathOf(edge.points)}
        className={styles.edge}
        markerEnd="url(#screen-graph-arrow)"
      />
    ));
});

function FocusLinks({ layout, focus }: { layout: GraphLayout; focus: string }) {
  return layout.edges
    .filter((edge) => edge.from === focus || edge.to === focus)
    .map((edge) => (
      <path
        key={`${edge.from} ${edge.to}`}
        d={pathOf(edge.points)}
        className={styles.edgeFocused}
        markerEnd="url(#screen-graph-arrow)"
      />
    ));
}

const Screens = memo(function Screens({
  layout,
  selected,
  onHover,
  onSelect,
}: {
  layout: GraphLayout;
  selected: string | null;
  onHover: (url: string | null) => void;
  onSelect: (url: string | null) => void;
}) {
  const toggle = (url: string) => onSelect(selected === url ? null : url);
  return layout.nodes.map((node) => (
    <g
      key={node.url}
      transform={`translate(${node.x - NODE_WIDTH / 2},${node.y - NODE_HEIGHT / 2})`}
      className={node.url === selected ? styles.nodeSelected : styles.node}
      role="button"
      tabIndex={0}
      aria-pressed={node.url === selected}
      aria-label={`${node.title} (${node.url})`}
      data-url={node.url}
      onMouseEnter={() => onHover(node.url)}
      onMouseLeave={() => onHover(null)}
      onClick={() => toggle(node.url)}
      onKeyDown={(event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          toggle(node.url);
        }
      }}
    >
      <title>{node.url}</title>
      <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />
      <text x={NODE_WIDTH / 2} y={NODE_HEIGHT / 2} dominantBaseline="central" textAnchor="middle">
        {label(shortTitle(node.title))}
      </text>
    </g>
  ));
});
