import { z } from "zod";
import { definePlan } from "./types";

/** Counts the words of a text: each node does one step and returns what it found. */
export const wordCountPlan = definePlan({
  name: "word-count",
  title: "Word count",
  description: "Splits a text into words, counts them and summarises the most frequent ones.",
  input: z.object({ text: z.string().max(10_000) }),
  nodes: [
    {
      name: "Split",
      run({ input }) {
        const words = input.text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
        return { words };
      },
    },
    {
      name: "Count",
      async run({ results, trace }) {
        const words = results.Split!.words as string[];
        const counts: Record<string, number> = {};
        for (const word of words) counts[word] = (counts[word] ?? 0) + 1;
        await trace("count.done", { distinct: Object.keys(counts).length });
        return { total: words.length, counts };
      },
    },
    {
      name: "Summarise",
      run({ results }) {
        const counts = results.Count!.counts as Record<string, number>;
        const top = Object.entries(counts)
          .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
          .slice(0, 3)
          .map(([word, count]) => ({ word, count }));
        return { top };
      },
    },
  ],
  output: (results) => ({
    words: results.Count!.total!,
    distinct: Object.keys(results.Count!.counts as object).length,
    top: results.Summarise!.top!,
  }),
});
