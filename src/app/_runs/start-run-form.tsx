"use client";

// The runs page's start form: the plan picker, the canonical plan's two fields or a plan's
// generated form, submission and the API's issues placed by field. One piece because they share
// the chosen plan and the mutation's state; the schema-to-fields logic lives in schema-form.ts.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useMemo, useState, type FormEvent } from "react";
import { RUN_START_DEFAULTS, RUN_START_LIMITS } from "../../shared/api";
import { CANONICAL_PLAN } from "../../shared/canonical-plan";
import { findPlan, usePlans } from "../_lib/use-plans";
import { useTRPC } from "../_trpc/react";
import type { PlanInfo, RunStartInput } from "../_trpc/types";
import { controlName, PlanFields } from "./plan-fields";
import {
  FieldValueError,
  formOf,
  inputOf,
  issuesByField,
  issuesOf,
  type InputForm,
  type InputIssue,
} from "./schema-form";
import styles from "./start-run-form.module.css";

/** What the form offers to crawl: an example app, where the API itself defaults to "/". */
const SUGGESTED_APP_PATH = "/apps/demo";

/** The canonical plan's input, in its own columns rather than `input`. */
const CANONICAL_FIELDS = ["appPath", "stepDelayMs"];

const textOf = (value: FormDataEntryValue | null): string => (typeof value === "string" ? value : "");

const describeIssue = (issue: InputIssue) =>
  issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message;

/** The chosen plan in words: what it does and its steps. */
function PlanAbout({ id, plan }: { id: string; plan: PlanInfo | undefined }) {
  return (
    <p id={id} className={styles.about}>
      {plan ? (
        <>
          {plan.description}{" "}
          <span className={styles.steps}>
            {plan.steps.length} steps: {plan.steps.join(" → ")}
          </span>
        </>
      ) : (
        "\u00a0"
      )}
    </p>
  );
}

/** The messages of one field's issues, under the field. */
function FieldErrors({ id, errors }: { id: string; errors: readonly string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <span id={id} className={styles.fieldError}>
      {errors.join("; ")}
    </span>
  );
}

/**
 * Starts a run of the chosen plan and takes the user to its timeline. The canonical plan takes an
 * app path and a step delay; any other plan a form built from its input's JSON Schema (run.plans).
 * What the API refuses is shown next to the field it is about.
 */
export function StartRunForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const plans = usePlans();
  const ids = { plan: useId(), about: useId(), appPath: useId(), stepDelay: useId() };
  const [planName, setPlanName] = useState<string>(CANONICAL_PLAN);
  const [invalidValue, setInvalidValue] = useState<FieldValueError | null>(null);
  const start = useMutation(
    trpc.run.start.mutationOptions({
      onSuccess: (run) => {
        void queryClient.invalidateQueries({ queryKey: trpc.run.list.pathKey() });
        router.push(`/runs/${run.id}`);
      },
    }),
  );

  const plan = findPlan(plans.data, planName);
  const canonical = planName === CANONICAL_PLAN;
  const form = useMemo(
    () => (plan && !canonical ? withPageDefaults(plan.name, formOf(plan.input)) : null),
    [plan, canonical],
  );
  const fieldNames = canonical
    ? CANONICAL_FIELDS
    : form?.kind === "fields"
      ? form.fields.map((f) => f.name)
      : ["input"];
  const issues = issuesOf(start.error);
  const { byField, other } = issuesByField(issues, fieldNames);
  if (invalidValue) byField.set(invalidValue.field, [...(byField.get(invalidValue.field) ?? []), invalidValue.message]);

  function choosePlan(name: string) {
    setPlanName(name);
    setInvalidValue(null);
    start.reset();
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setInvalidValue(null);
    if (canonical) {
      start.mutate({ appPath: textOf(data.get("appPath")), stepDelayMs: Number(textOf(data.get("stepDelayMs"))) });
      return;
    }
    if (!form) return;
    let input: Record<string, unknown>;
    try {
      input = inputOf(form, (field) =>
        field.kind === "boolean" ? data.has(controlName(field.name)) : textOf(data.get(controlName(field.name))),
      );
    } catch (error) {
      if (error instanceof FieldValueError) return setInvalidValue(error);
      throw error;
    }
    start.reset();
    // A plan from run.plans, which the typed client may not know: the server checks its input.
    start.mutate({ plan: planName, input } as RunStartInput);
  }

  // Stays disabled after success too: the page is navigating to the new run.
  const busy = start.isPending || start.isSuccess;
  const button = (
    <button type="submit" className="btn btn-primary" disabled={busy}>
      {busy ? "Starting…" : "Start run"}
    </button>
  );
  const invalid = (field: string) => (byField.has(field) ? true : undefined);
  return (
    <form className={styles.form} onSubmit={onSubmit} aria-label="Start a run">
      <div className={styles.picker}>
        <div className="field">
          <label htmlFor={ids.plan}>Plan</label>
          <select
            id={ids.plan}
            name="plan"
            value={planName}
            onChange={(event) => choosePlan(event.target.value)}
            disabled={plans.isPending}
            aria-describedby={ids.about}
          >
            {plans.data ? (
              plans.data.map((option) => (
                <option key={option.name} value={option.name}>
                  {option.title}
                </option>
              ))
            ) : (
              <option value={CANONICAL_PLAN}>{CANONICAL_PLAN}</option>
            )}
          </select>
        </div>
        {plans.isError ? (
          <p id={ids.about} className={styles.about}>
            The list of plans could not be loaded: the default plan is still available.
          </p>
        ) : (
          <PlanAbout id={ids.about} plan={plan} />
        )}
      </div>

      {canonical ? (
        <div className={styles.canonical}>
          <div className="field">
            <label htmlFor={ids.appPath}>App path</label>
            <input
              id={ids.appPath}
              name="appPath"
              defaultValue={SUGGESTED_APP_PATH}
              required
              maxLength={RUN_START_LIMITS.appPathMaxLength}
              autoComplete="off"
              aria-invalid={invalid("appPath")}
              aria-describedby={invalid("appPath") && `${ids.appPath}-errors`}
            />
            <FieldErrors id={`${ids.appPath}-errors`} errors={byField.get("appPath")} />
          </div>
          <div className="field">
            <label htmlFor={ids.stepDelay}>Step delay (ms)</label>
            <input
              id={ids.stepDelay}
              name="stepDelayMs"
              type="number"
              defaultValue={RUN_START_DEFAULTS.stepDelayMs}
              min={0}
              max={RUN_START_LIMITS.stepDelayMsMax}
              step={1}
              required
              aria-invalid={invalid("stepDelayMs")}
              aria-describedby={invalid("stepDelayMs") && `${ids.stepDelay}-errors`}
            />
            <FieldErrors id={`${ids.stepDelay}-errors`} errors={byField.get("stepDelayMs")} />
          </div>
          {button}
        </div>
      ) : (
        <div className={styles.planInput} key={planName}>
          {form ? <PlanFields form={form} errors={byField} /> : null}
          <div>{button}</div>
        </div>
      )}

      {start.error ? (
        <div role="alert" className={styles.error}>
          <p>
            Could not start the run:{" "}
            {issues.length > 0 ? "the server refused its input (see the fields above)." : start.error.message}
          </p>
          {other.length > 0 ? (
            <ul aria-label="Input issues">
              {other.map((issue, index) => (
                <li key={index}>{describeIssue(issue)}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

/**
 * Defaults only the page knows: the screens plan crawls this server's own demo app unless told
 * otherwise, so the embedded default shows a real crawl with no setup.
 */
function withPageDefaults(planName: string, form: InputForm): InputForm {
  if (planName !== "screens" || form.kind !== "fields" || typeof window === "undefined") return form;
  const demoApp = `${window.location.origin}/demo-app/`;
  return {
    ...form,
    fields: form.fields.map((field) =>
      field.name === "startUrl" && field.kind === "text" && field.defaultValue === undefined
        ? { ...field, defaultValue: demoApp }
        : field,
    ),
  };
}
