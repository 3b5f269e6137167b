import { describe, expect, it } from "vitest";
import { layoutScreenGraph } from "../../src/app/runs/[runId]/_lib/graph-layout";
import { screenGraphOf, seqsAbout } from "../../src/app/runs/[runId]/_lib/screen-graph";
import type { RunEvent } from "../../src/app/_trpc/types";

let seq = 0;
const trace = (fn: string, data: Record<string, unknown>): RunEvent => ({
  runId: "r",
  seq: ++seq,
  ts: 0,
  type: "DebugTrace",
  v: 1,
  source: "worker",
  fn,
  data,
});
const discovered = (url: string, depth: number, links: string[]) =>
  trace("screen.discovered", { url, title: url.toUpperCase(), depth, links });

describe("the screen graph drawn from a crawl's events", () => {
  const events = [
    discovered("/", 0, ["/a", "/b", "/gone", "/"]),
    trace("screen.skipped", { url: "/gone", reason: "HTTP 404" }),
    discovered("/a", 1, ["/", "/b", "/b", "/a/c"]),
    discovered("/b", 1, []),
    // A resumed crawl traces a screen again: the first one counts.
    discovered("/a", 1, []),
  ];

  it("has one screen per discovered page and an edge per link between discovered pages", () => {
    const graph = screenGraphOf(events);
    expect(graph.screens.map((s) => [s.url, s.title, s.depth, s.seq])).toEqual([
      ["/", "/", 0, 1],
      ["/a", "/A", 1, 3],
      ["/b", "/B", 1, 4],
    ]);
    expect(graph.edges).toEqual([
      { from: "/", to: "/a" },
      { from: "/", to: "/b" },
      { from: "/a", to: "/" },
      { from: "/a", to: "/b" },
    ]);
    expect(screenGraphOf([...events, discovered("/a/c", 2, [])]).edges).toContainEqual({ from: "/a", to: "/a/c" });
    expect([...seqsAbout(events, "/gone")]).toEqual([2]);
  });

  it("is laid out in layers by click depth, every node and edge placed", () => {
    // /b is a leaf one click deep, /a has a screen under it: both stay on the first layer.
    const layout = layoutScreenGraph(screenGraphOf([...events, discovered("/a/c", 2, ["/"])]));
    const y = Object.fromEntries(layout.nodes.map((node) => [node.url, node.y]));
    expect(y["/"]).toBeLessThan(y["/a"]!);
    expect(y["/a"]).toBe(y["/b"]);
    expect(y["/a/c"]).toBeGreaterThan(y["/a"]!);
    expect(layout.edges.every((edge) => edge.points.length >= 2)).toBe(true);
    // The links each screen was first found by form the tree; the rest are drawn apart.
    expect(layout.edges.filter((edge) => edge.tree).map((edge) => `${edge.from} ${edge.to}`)).toEqual([
      "/ /a",
      "/ /b",
      "/a /a/c",
    ]);
  });

  it("lays out 200 screens with their links", () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      discovered(`/${i}`, Math.min(5, Math.floor(Math.log2(i + 1))), [
        `/${Math.floor(i / 2)}`,
        `/${2 * i + 1}`,
        `/${2 * i + 2}`,
      ]),
    );
    const layout = layoutScreenGraph(screenGraphOf(many));
    expect(layout.nodes).toHaveLength(200);
    expect(layout.edges.length).toBeGreaterThan(390);
    expect(layout.width).toBeGreaterThan(0);
  });
});
