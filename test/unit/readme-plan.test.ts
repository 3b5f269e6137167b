import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("README's Write your own plan", () => {
  it("shows src/plans/word-count.ts as it is", () => {
    expect(read("README.md")).toContain("```ts\n" + read("src/plans/word-count.ts") + "```\n");
  });
});
