import { useId, type ReactNode } from "react";
import type { Field, InputForm } from "./schema-form";
import styles from "./start-run-form.module.css";

/** The form control's name for a field of the plan's input. */
export const controlName = (field: string) => `input.${field}`;

/** The messages under a field: its description, then what the API said is wrong with it. */
function FieldNotes({ id, description, errors }: { id: string; description?: string; errors: readonly string[] }) {
  return (
    <>
      {description ? (
        <span id={`${id}-description`} className={styles.hint}>
          {description}
        </span>
      ) : null}
      {errors.length > 0 ? (
        <span id={`${id}-errors`} className={styles.fieldError}>
          {errors.join("; ")}
        </span>
      ) : null}
    </>
  );
}

const describedBy = (id: string, field: Field, errors: readonly string[]) =>
  [field.description ? `${id}-description` : null, errors.length > 0 ? `${id}-errors` : null]
    .filter(Boolean)
    .join(" ") || undefined;

function Control({ field, id, errors }: { field: Field; id: string; errors: readonly string[] }): ReactNode {
  const common = {
    id,
    name: controlName(field.name),
    "aria-invalid": errors.length > 0 || undefined,
    "aria-describedby": describedBy(id, field, errors),
  };
  switch (field.kind) {
    case "text":
      return field.multiline ? (
        <textarea
          {...common}
          rows={4}
          required={field.required}
          minLength={field.minLength}
          maxLength={field.maxLength}
          defaultValue={field.defaultValue}
        />
      ) : (
        <input
          {...common}
          type={field.inputType}
          required={field.required}
          minLength={field.minLength}
          maxLength={field.maxLength}
          defaultValue={field.defaultValue}
          autoComplete="off"
        />
      );
    case "number":
      return (
        <input
          {...common}
          type="number"
          required={field.required}
          min={field.min}
          max={field.max}
          step={field.integer ? 1 : "any"}
          defaultValue={field.defaultValue}
        />
      );
    case "boolean":
      return <input {...common} type="checkbox" defaultChecked={field.defaultValue} />;
    case "choice": {
      const index = field.defaultValue === undefined ? -1 : field.options.indexOf(field.defaultValue);
      return (
        <select {...common} required={field.required} defaultValue={index >= 0 ? String(index) : ""}>
          {field.required && index >= 0 ? null : <option value="">{field.required ? "Choose…" : "—"}</option>}
          {field.options.map((option, position) => (
            <option key={String(option)} value={String(position)}>
              {String(option)}
            </option>
          ))}
        </select>
      );
    }
    case "json":
      return (
        <textarea
          {...common}
          rows={4}
          required={field.required}
          className={styles.json}
          placeholder="JSON"
          defaultValue={field.defaultValue === undefined ? undefined : JSON.stringify(field.defaultValue, null, 2)}
        />
      );
  }
}

function PlanField({ field, errors }: { field: Field; errors: readonly string[] }) {
  const id = useId();
  const mark = field.required && field.kind !== "boolean" ? <span aria-hidden="true"> *</span> : null;
  if (field.kind === "boolean") {
    return (
      <div className={styles.checkboxField}>
        <label htmlFor={id}>
          <Control field={field} id={id} errors={errors} /> {field.label}
        </label>
        <FieldNotes id={id} description={field.description} errors={errors} />
      </div>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {field.label}
        {field.kind === "json" ? " (JSON)" : ""}
        {mark}
      </label>
      <Control field={field} id={id} errors={errors} />
      <FieldNotes id={id} description={field.description} errors={errors} />
    </div>
  );
}

/** The controls for a plan's input, built from its JSON Schema; `errors` are the API's, by field. */
export function PlanFields({ form, errors }: { form: InputForm; errors: ReadonlyMap<string, readonly string[]> }) {
  const fields = form.kind === "fields" ? form.fields : [form.field];
  if (fields.length === 0) return <p className="muted">This plan takes no input.</p>;
  return (
    <>
      {fields.map((field) => (
        <PlanField key={field.name} field={field} errors={errors.get(field.name) ?? []} />
      ))}
    </>
  );
}
