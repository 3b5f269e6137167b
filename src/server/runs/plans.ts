import type { PlanInfo } from "@live-runs/client";
import { z } from "zod";
import { canonicalPlan } from "../../plans/canonical";
import { DEFAULT_PLAN, type KnownPlan, type PlanRegistry } from "../../plans/registry";
import type { Plan } from "../../plans/types";
import { RUN_START_DEFAULTS, RUN_START_LIMITS } from "../../shared/api";
import { InvalidRequestError } from "../errors";

/** A plan as run.plans describes it (its input as a JSON Schema): defined by the client package's contract. */
export type { PlanInfo };

export function describePlans(plans: PlanRegistry): PlanInfo[] {
  return plans.all.map((plan) => ({
    name: plan.name,
    title: plan.title,
    description: plan.description,
    steps: plan.nodes.map((node) => node.name),
    // As a caller writes it: fields with a default are optional.
    input: plainJson(z.toJSONSchema(plan.input, { unrepresentable: "any", io: "input" })),
  }));
}

/**
 * zod's JSON Schema object also carries its Standard Schema interface (a non-enumerable `~standard`
 * with methods). The API's JSON never had it; the run page hands the plans from a server component
 * to a client one, which takes plain objects only (React said so in dev on every run page).
 */
const plainJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** An input the plan's schema refuses: answered BAD_REQUEST with the schema's issues. */
export class PlanInputError extends InvalidRequestError {
  constructor(
    message: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super(message);
  }
}

/** run.start of the default (canonical) plan: its input is appPath and stepDelayMs. */
interface CanonicalStart {
  plan?: typeof DEFAULT_PLAN | undefined;
  appPath?: string | undefined;
  stepDelayMs?: number | undefined;
  input?: undefined;
  requestKey?: string | undefined;
}

/** run.start of another plan: its input as the plan's schema takes it (optional when it requires nothing). */
type OtherPlanStart<P> =
  P extends Plan<infer Schema, infer Name>
    ? Name extends typeof DEFAULT_PLAN
      ? never
      : {
          plan: Name;
          appPath?: undefined;
          stepDelayMs?: undefined;
          requestKey?: string | undefined;
        } & (Record<string, never> extends z.input<Schema>
          ? { input?: z.input<Schema> | undefined }
          : { input: z.input<Schema> })
    : never;

/**
 * run.start's input as the typed client sees it: one shape per plan compiled into the code base,
 * told apart by `plan`, so a wrong input for a known plan does not compile. The server parses
 * more loosely (any plan name, any object as input) and checks the input against the plan it
 * finds at run time (resolveStart): plans it registers beyond these are reached with a cast.
 */
export type StartInput = CanonicalStart | OtherPlanStart<KnownPlan>;

export interface StartFields {
  plan?: string | undefined;
  input?: Record<string, unknown> | undefined;
  appPath?: string | undefined;
  stepDelayMs?: number | undefined;
}

/**
 * What a start creates: the plan, its validated input and the run's appPath and stepDelayMs. The
 * canonical plan's input is appPath and stepDelayMs (stored in their columns, input null); other
 * plans show their target (or "/") as appPath and have no step delay.
 */
export function resolveStart(plans: PlanRegistry, fields: StartFields) {
  const name = fields.plan ?? DEFAULT_PLAN;
  const plan = plans.get(name);
  if (!plan) throw new PlanInputError(`unknown plan ${name}`, [unknownPlanIssue(name)]);
  if (name === canonicalPlan.name) {
    return {
      plan: name,
      input: null,
      appPath: fields.appPath ?? RUN_START_DEFAULTS.appPath,
      stepDelayMs: fields.stepDelayMs ?? RUN_START_DEFAULTS.stepDelayMs,
    };
  }
  const parsed = plan.input.safeParse(fields.input ?? {});
  if (!parsed.success) throw new PlanInputError(`invalid input for plan ${name}`, parsed.error.issues);
  const input = parsed.data as Record<string, unknown>;
  const refused = plan.admit?.(input, plans.settings);
  if (refused) throw new PlanInputError(refused, [{ code: "custom", path: ["input"], message: refused, input }]);
  const target = plan.target?.(input) || "/";
  return { plan: name, input, appPath: target.slice(0, RUN_START_LIMITS.appPathMaxLength), stepDelayMs: 0 };
}

const unknownPlanIssue = (name: string): z.core.$ZodIssue => ({
  code: "custom",
  path: ["plan"],
  message: `unknown plan ${name}`,
  input: name,
});
