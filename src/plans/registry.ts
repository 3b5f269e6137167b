import { canonicalPlan } from "./canonical";
import { screensPlan } from "./screens";
import type { Plan, PlanSettings } from "./types";
import { wordCountPlan } from "./word-count";

/**
 * Every plan runs can execute, by name. Adding a plan: one module beside this one and one line here.
 * Each keeps its own type, so the typed client checks run.start's input per plan.
 */
export const PLANS = [canonicalPlan, wordCountPlan, screensPlan] as const satisfies readonly Plan[];

/** The plans compiled into this code base (a server may register more at run time). */
export type KnownPlan = (typeof PLANS)[number];

/** The plan run.start uses when none is given. */
export const DEFAULT_PLAN = canonicalPlan.name;

/** Looks plans up by name; a server (or a test) may replace or add plans. */
export class PlanRegistry {
  private readonly byName: ReadonlyMap<string, Plan>;

  /**
   * @param settings what the deployment lets plans do; the server sets the default (its own demo
   * app) once it knows its address.
   */
  constructor(
    extra: readonly Plan[] = [],
    public settings: PlanSettings = { fetchAllowed: [] },
  ) {
    this.byName = new Map([...PLANS, ...extra].map((plan) => [plan.name, plan]));
  }

  get(name: string): Plan | undefined {
    return this.byName.get(name);
  }

  get all(): Plan[] {
    return [...this.byName.values()];
  }
}
