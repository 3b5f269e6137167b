import { describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client";
import { builtOnce } from "../../src/db/built-once";

describe("builtOnce", () => {
  it("builds a query once per database handle and hands the same one back after", () => {
    let builds = 0;
    const query = builtOnce((db) => ({ db, build: ++builds }));
    const a = {} as Db;
    const b = {} as Db;
    expect(query(a)).toBe(query(a));
    expect(query(b)).not.toBe(query(a));
    expect(query(b).db).toBe(b);
    expect(builds).toBe(2);
  });
});
