import { z } from "zod";
import { crawl } from "./screens/crawl";
import { definePlan, isFetchAllowed, type JsonObject } from "./types";

const input = z.object({
  startUrl: z.url({ protocol: /^https?$/ }).meta({ title: "Start URL", description: "The page the crawl starts at" }),
  maxScreens: z
    .number()
    .int()
    .min(1)
    .max(200)
    .default(25)
    .meta({ title: "Max screens", description: "Stop after this many screens" }),
  maxDepth: z
    .number()
    .int()
    .min(0)
    .max(5)
    .default(3)
    .meta({ title: "Max depth", description: "Follow links this many clicks deep" }),
  pageDelayMs: z
    .number()
    .int()
    .min(0)
    .max(5_000)
    .default(0)
    .meta({ title: "Page delay (ms)", description: "Wait this long before each page, to be polite or to watch" }),
});

/**
 * Crawls a web app from a start page: fetches pages over HTTP, follows same-origin links
 * breadth-first, and maps its screens and the links between them. Every new screen is traced
 * (`screen.discovered`) as it is found, so the run page draws the graph live.
 */
export const screensPlan = definePlan({
  name: "screens",
  title: "Screens",
  description: "Crawls a web app from a start page and maps its screens and the links between them.",
  input,
  admit: ({ startUrl }, settings) =>
    isFetchAllowed(settings, new URL(startUrl).href)
      ? undefined
      : `startUrl must be under one of: ${settings.fetchAllowed.join(", ") || "(none: set CRAWL_ALLOWED_ORIGINS)"}`,
  target: ({ startUrl }) => startUrl,
  nodes: [
    {
      name: "Crawl",
      // The whole screen graph: 200 screens and their links outgrow the default 16 KB.
      maxResultBytes: 1024 * 1024,
      run: async (ctx) => (await crawl(ctx)) as unknown as JsonObject,
    },
  ],
  output: (results) => results.Crawl!,
});
