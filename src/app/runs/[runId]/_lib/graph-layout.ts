import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from "@dagrejs/dagre";
import type { ScreenGraph } from "./screen-graph";

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 36;

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
  /** `tree`: the link the screen was first found by (routed by dagre); the others are drawn straight. */
  edges: { from: string; to: string; tree: boolean; points: { x: number; y: number }[] }[];
}

/**
 * Lays the graph out in layers by click depth, top to bottom: dagre places the screens as the
 * crawl's tree (each under the screen it was first found from), which keeps layers true to depth
 * and the layout fast enough to redo live for 200 screens; the other links are drawn straight
 * between the screens' borders. Node positions are centres.
 */
export function layoutScreenGraph(graph: ScreenGraph): GraphLayout {
  const layout = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: false });
  layout.setGraph({ rankdir: "TB", nodesep: 16, ranksep: 48, marginx: 8, marginy: 8 });
  layout.setDefaultEdgeLabel(() => ({}));
  const depth = new Map(graph.screens.map((screen) => [screen.url, screen.depth]));
  for (const screen of graph.screens) layout.setNode(screen.url, { width: NODE_WIDTH, height: NODE_HEIGHT });
  // The crawl's tree: each screen under the first screen one layer up that links to it (a screen
  // reached through a redirect, linked from none, under the first screen of that layer).
  const firstAt = new Map<number, string>();
  for (const screen of graph.screens) if (!firstAt.has(screen.depth)) firstAt.set(screen.depth, screen.url);
  const parent = new Map<string, string>();
  for (const edge of graph.edges)
    if (!parent.has(edge.to) && depth.get(edge.to) === depth.get(edge.from)! + 1) parent.set(edge.to, edge.from);
  for (const screen of graph.screens) {
    const above = parent.get(screen.url) ?? firstAt.get(screen.depth - 1);
    if (above) layout.setEdge(above, screen.url);
  }
  dagre.layout(layout);
  const size = layout.graph();
  const nodes = graph.screens.map((screen) => {
    // dagre.layout places every node it was given.
    const { x = 0, y = 0 } = layout.node(screen.url);
    return { url: screen.url, title: screen.title, depth: screen.depth, x, y };
  });
  const placed = new Map(nodes.map((node) => [node.url, node]));
  return {
    width: Math.max(size.width ?? 0, NODE_WIDTH),
    height: Math.max(size.height ?? 0, NODE_HEIGHT),
    nodes,
    edges: graph.edges.map((edge) => {
      const tree = parent.get(edge.to) === edge.from;
      const routed = tree ? layout.edge(edge.from, edge.to)?.points : undefined;
      return { ...edge, tree, points: routed ?? straightBetween(placed.get(edge.from)!, placed.get(edge.to)!) };
    }),
  };
}

/** A straight line from one screen's border to another's. */
function straightBetween(from: PlacedScreen, to: PlacedScreen): { x: number; y: number }[] {
  const border = (a: PlacedScreen, b: PlacedScreen) => {
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const scale = 1 / Math.max(Math.abs(dx) / (NODE_WIDTH / 2), Math.abs(dy) / (NODE_HEIGHT / 2), 1e-9);
    return { x: a.x + dx * Math.min(scale, 1), y: a.y + dy * Math.min(scale, 1) };
  };
  return [border(from, to), border(to, from)];
}
