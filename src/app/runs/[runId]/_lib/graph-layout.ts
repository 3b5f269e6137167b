import type { ScreenGraph } from "./screen-graph";

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 36;
/** Screens per row: a wide layer (a catalogue's 190 items) wraps instead of becoming a 27,000 px strip. */
export const COLUMNS = 5;
const GAP_X = 16;
const GAP_Y = 12;
const LAYER_GAP = 44;
const MARGIN = 8;

export interface PlacedScreen {
  url: string;
  title: string;
  depth: number;
  x: number;
  y: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedScreen[];
  /** `tree`: the link the screen was first found by; the others are drawn only for a focused screen. */
  edges: { from: string; to: string; tree: boolean; points: { x: number; y: number }[] }[];
}

/**
 * Lays the crawl out in layers by click depth, top to bottom, each layer in discovery order (so
 * siblings stay together) and wrapped at COLUMNS screens a row. Linear in the screens, so it can be
 * redone for every screen a live crawl adds. Node positions are centres.
 *
 * dagre was tried first: at 200 screens it drew the demo crawl's 190 items as one 27,000 px
 * layer and took 150–300 ms per layout in the browser (BENCHMARKS.md, screen graph).
 */
export function layoutScreenGraph(graph: ScreenGraph): GraphLayout {
  const layers = new Map<number, string[]>();
  for (const screen of graph.screens) layers.set(screen.depth, [...(layers.get(screen.depth) ?? []), screen.url]);
  const depths = [...layers.keys()].sort((a, b) => a - b);
  const rowWidth = (count: number) => count * NODE_WIDTH + (count - 1) * GAP_X;
  const width =
    rowWidth(Math.min(COLUMNS, Math.max(1, ...[...layers.values()].map((urls) => urls.length)))) + 2 * MARGIN;

  const position = new Map<string, { x: number; y: number }>();
  const layerTop = new Map<number, number>();
  let top = MARGIN;
  for (const depth of depths) {
    const urls = layers.get(depth)!;
    layerTop.set(depth, top);
    for (let row = 0; row * COLUMNS < urls.length; row++) {
      const inRow = urls.slice(row * COLUMNS, (row + 1) * COLUMNS);
      const left = (width - rowWidth(inRow.length)) / 2;
      inRow.forEach((url, column) =>
        position.set(url, { x: left + column * (NODE_WIDTH + GAP_X) + NODE_WIDTH / 2, y: top + NODE_HEIGHT / 2 }),
      );
      top += NODE_HEIGHT + GAP_Y;
    }
    top += LAYER_GAP - GAP_Y;
  }

  const depthOf = new Map(graph.screens.map((screen) => [screen.url, screen.depth]));
  const parent = new Map<string, string>();
  for (const edge of graph.edges)
    if (!parent.has(edge.to) && depthOf.get(edge.to) === depthOf.get(edge.from)! + 1) parent.set(edge.to, edge.from);

  const nodes = graph.screens.map((screen) => ({ ...screen, ...position.get(screen.url)! }));
  return {
    width,
    height: Math.max(top - LAYER_GAP + MARGIN, NODE_HEIGHT),
    nodes,
    edges: graph.edges.map((edge) => {
      const from = position.get(edge.from)!;
      const to = position.get(edge.to)!;
      const tree = parent.get(edge.to) === edge.from;
      const across = layerTop.get(depthOf.get(edge.to)!)! - LAYER_GAP / 2;
      const points = tree ? treeLink(from, to, across) : straightBetween(from, to);
      return { from: edge.from, to: edge.to, tree, points };
    }),
  };
}

/**
 * From a screen to one in a layer below, through the gutters left of them and the gap above the
 * child's layer: a layer wrapped into several rows has screens below its first row, and a line
 * straight down would pass behind them as if it linked them.
 */
function treeLink(from: { x: number; y: number }, to: { x: number; y: number }, acrossY: number) {
  const fromGutter = from.x - NODE_WIDTH / 2 - GAP_X / 2;
  const toGutter = to.x - NODE_WIDTH / 2 - GAP_X / 2;
  return [
    { x: from.x - NODE_WIDTH / 2, y: from.y },
    { x: fromGutter, y: from.y },
    { x: fromGutter, y: acrossY },
    { x: toGutter, y: acrossY },
    { x: toGutter, y: to.y },
    { x: to.x - NODE_WIDTH / 2, y: to.y },
  ];
}

/** A straight line from one screen's border to another's. */
function straightBetween(from: { x: number; y: number }, to: { x: number; y: number }) {
  const border = (a: { x: number; y: number }, b: { x: number; y: number }) => {
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const scale = 1 / Math.max(Math.abs(dx) / (NODE_WIDTH / 2), Math.abs(dy) / (NODE_HEIGHT / 2), 1e-9);
    return { x: a.x + dx * Math.min(scale, 1), y: a.y + dy * Math.min(scale, 1) };
  };
  return [border(from, to), border(to, from)];
}
