import type { CanonicalInput } from "../../src/plans/canonical";
import type { PlanNode } from "../../src/plans/types";
import { CANONICAL_STEPS } from "../../src/shared/canonical-plan";

/**
 * The canonical plan's node names, but each node waits until the test opens its gate, so a test
 * can hold runs at a known point. `opened` counts the nodes allowed through, across all runs.
 */
export function gatedPlan() {
  let allowed = 0;
  const waiters = new Set<() => void>();
  const passThrough = async (signal: AbortSignal, traceFn?: () => Promise<void>) => {
    await traceFn?.();
    const ticket = async () => {
      while (allowed <= 0) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            waiters.delete(wake);
            reject(new Error("node interrupted", { cause: signal.reason }));
          };
          const wake = () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          };
          waiters.add(wake);
          signal.addEventListener("abort", onAbort, { once: true });
        });
      }
      allowed -= 1;
    };
    await ticket();
  };
  const plan: PlanNode<CanonicalInput>[] = CANONICAL_STEPS.map((name) => ({
    name,
    run: (ctx) => passThrough(ctx.signal, name === "EnsureDevice" ? () => ctx.trace("ensureDevice.check") : undefined),
  }));
  return {
    plan,
    /** Lets `count` more node executions finish. */
    open(count = 1) {
      allowed += count;
      for (const wake of [...waiters]) {
        waiters.delete(wake);
        wake();
      }
    },
  };
}
