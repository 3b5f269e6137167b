// A type-level test, checked by `npm run typecheck` and never run: what the typed client lets a
// program pass to run.start. Each `@ts-expect-error` fails the check if its line compiles.
import type { RunsClient, RunStartInput } from "@live-runs/client";

declare const trpc: RunsClient["trpc"];

export function canonicalStarts() {
  // No plan, or the canonical one: appPath and stepDelayMs, both optional.
  void trpc.run.start.mutate({});
  void trpc.run.start.mutate({ stepDelayMs: 100 });
  void trpc.run.start.mutate({ plan: "canonical", appPath: "/apps/x", stepDelayMs: 0, requestKey: "k-1" });
  // @ts-expect-error stepDelayMs is a number
  void trpc.run.start.mutate({ stepDelayMs: "100" });
  // @ts-expect-error the canonical plan takes no input object
  void trpc.run.start.mutate({ plan: "canonical", input: { text: "a" } });
  // @ts-expect-error no plan means the canonical plan, which takes no input object
  void trpc.run.start.mutate({ input: { text: "a" } });
}

export function wordCountStarts() {
  void trpc.run.start.mutate({ plan: "word-count", input: { text: "the cat saw the other cat" } });
  void trpc.run.start.mutate({ plan: "word-count", input: { text: "a b" }, requestKey: "k-2" });
  // @ts-expect-error text is a string
  void trpc.run.start.mutate({ plan: "word-count", input: { text: 1 } });
  // @ts-expect-error text is required
  void trpc.run.start.mutate({ plan: "word-count", input: {} });
  // @ts-expect-error the input is required: its text is
  void trpc.run.start.mutate({ plan: "word-count" });
  // @ts-expect-error appPath and stepDelayMs belong to the canonical plan
  void trpc.run.start.mutate({ plan: "word-count", input: { text: "a" }, stepDelayMs: 5 });
}

export function unknownPlans(name: string) {
  // @ts-expect-error a plan this client was not compiled with
  void trpc.run.start.mutate({ plan: "no-such-plan" });
  // @ts-expect-error a plan name only known at run time
  void trpc.run.start.mutate({ plan: name, input: {} });
  // …is sent with a cast, for the server to check.
  void trpc.run.start.mutate({ plan: name, input: {} } as RunStartInput);
}
