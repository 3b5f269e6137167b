import { describe, expect, it } from "vitest";
import { appRouter } from "../../src/server/routers/_app";
import { SUBSCRIPTION_PATHS } from "../../src/server/trpc/subscription-paths";

describe("SUBSCRIPTION_PATHS", () => {
  it("names exactly the router's subscription procedures", () => {
    // At run time the router keeps its procedures flat, keyed by their dotted path ("run.events").
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
    const subscriptions = Object.entries(procedures)
      .filter(([, procedure]) => procedure._def.type === "subscription")
      .map(([path]) => path);
    expect(subscriptions.length).toBeGreaterThan(0);
    expect([...SUBSCRIPTION_PATHS].sort()).toEqual(subscriptions.sort());
  });
});
