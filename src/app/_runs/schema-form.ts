// A start form built from a plan's input JSON Schema (run.plans, made by zod's toJSONSchema):
// which fields to show, and the input object a filled form stands for.

type Schema = Record<string, unknown>;
type Scalar = string | number | boolean;

interface FieldBase {
  name: string;
  label: string;
  description: string | undefined;
  required: boolean;
}

/** One input field, by the kind of control that edits it. */
export type Field =
  | (FieldBase & {
      kind: "text";
      minLength?: number;
      maxLength?: number;
      multiline: boolean;
      inputType: "text" | "email" | "url";
      defaultValue?: string;
    })
  | (FieldBase & { kind: "number"; integer: boolean; min?: number; max?: number; defaultValue?: number })
  | (FieldBase & { kind: "boolean"; defaultValue: boolean })
  | (FieldBase & { kind: "choice"; options: Scalar[]; defaultValue?: Scalar })
  /** A shape the form has no control for (arrays, nested objects, unions): edited as JSON. */
  | (FieldBase & { kind: "json"; defaultValue?: unknown });

/** A form for an object's properties, or one JSON field for an input of any other shape. */
export type InputForm = { kind: "fields"; fields: Field[] } | { kind: "json"; field: Field & { kind: "json" } };

/** Strings longer than this get a textarea. */
const LONG_TEXT = 200;

const isObject = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const numberOr = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);
const isScalar = (value: unknown): value is Scalar =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean";

/** "maxDepth" → "Max depth", "start_url" → "Start url". */
export function labelOf(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function fieldOf(name: string, schema: unknown, required: boolean): Field {
  const property = isObject(schema) ? schema : {};
  const base: FieldBase = {
    name,
    label: typeof property.title === "string" ? property.title : labelOf(name),
    description: typeof property.description === "string" ? property.description : undefined,
    required,
  };
  const fallback: Field = {
    ...base,
    kind: "json",
    ...("default" in property ? { defaultValue: property.default } : {}),
  };
  const choices = Array.isArray(property.enum) ? property.enum : "const" in property ? [property.const] : null;
  if (choices) {
    if (!choices.every(isScalar)) return fallback;
    const defaultValue = isScalar(property.default) ? property.default : undefined;
    return { ...base, kind: "choice", options: choices, ...(defaultValue !== undefined ? { defaultValue } : {}) };
  }
  switch (property.type) {
    case "string": {
      const maxLength = numberOr(property.maxLength);
      const minLength = numberOr(property.minLength);
      const format = property.format;
      return {
        ...base,
        kind: "text",
        multiline: maxLength === undefined || maxLength > LONG_TEXT,
        inputType: format === "email" ? "email" : format === "uri" || format === "url" ? "url" : "text",
        ...(minLength !== undefined ? { minLength } : {}),
        ...(maxLength !== undefined ? { maxLength } : {}),
        ...(typeof property.default === "string" ? { defaultValue: property.default } : {}),
      };
    }
    case "number":
    case "integer": {
      const integer = property.type === "integer";
      // Exclusive bounds of an integer are the next integer in; a number's are left to the server.
      const exclusiveMin = numberOr(property.exclusiveMinimum);
      const exclusiveMax = numberOr(property.exclusiveMaximum);
      const min = numberOr(property.minimum) ?? (integer && exclusiveMin !== undefined ? exclusiveMin + 1 : undefined);
      const max = numberOr(property.maximum) ?? (integer && exclusiveMax !== undefined ? exclusiveMax - 1 : undefined);
      return {
        ...base,
        kind: "number",
        integer,
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
        ...(typeof property.default === "number" ? { defaultValue: property.default } : {}),
      };
    }
    case "boolean":
      return { ...base, kind: "boolean", defaultValue: property.default === true };
    default:
      return fallback;
  }
}

/** The form for a plan's input schema: a field per property of an object, else one JSON field. */
export function formOf(schema: unknown): InputForm {
  if (isObject(schema) && schema.type === "object" && isObject(schema.properties)) {
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    return {
      kind: "fields",
      fields: Object.entries(schema.properties).map(([name, property]) => fieldOf(name, property, required.has(name))),
    };
  }
  return {
    kind: "json",
    field: { name: "input", label: "Input", description: undefined, required: true, kind: "json" },
  };
}

/** A value the form cannot send: the field and why. */
export class FieldValueError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a control holds: text (inputs, selects, textareas) or, for a checkbox, whether it is checked. */
export type ControlValue = string | boolean | undefined;

/**
 * The value a field's control stands for: undefined for an empty optional field (left out of the
 * input). Only what the browser cannot check throws (a JSON field that does not parse); the rest
 * (bounds, lengths, required fields left empty) is sent as it is for the server to judge.
 */
export function valueOf(field: Field, control: ControlValue): unknown {
  if (field.kind === "boolean") return control === true;
  const text = typeof control === "string" ? control : "";
  if (text === "" && (!field.required || field.kind !== "text")) return undefined;
  switch (field.kind) {
    case "text":
      return text;
    case "number":
      return Number(text);
    case "choice":
      return field.options[Number(text)];
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new FieldValueError(field.name, "must be valid JSON");
      }
  }
}

/** The input object a filled form stands for, from what each field's control holds. */
export function inputOf(form: InputForm, controls: (field: Field) => ControlValue): Record<string, unknown> {
  if (form.kind === "json") {
    const value = valueOf(form.field, controls(form.field));
    if (!isObject(value)) throw new FieldValueError(form.field.name, "must be a JSON object");
    return value;
  }
  const input: Record<string, unknown> = {};
  for (const field of form.fields) {
    const value = valueOf(field, controls(field));
    if (value !== undefined) input[field.name] = value;
  }
  return input;
}

/** An issue from the API's BAD_REQUEST (`error.data.issues`): where, and what is wrong. */
export interface InputIssue {
  path: (string | number)[];
  message: string;
}

/** The issues a tRPC error carries, if it is a BAD_REQUEST with issues; anything malformed is dropped. */
export function issuesOf(error: unknown): InputIssue[] {
  const data: unknown = isObject(error) ? error.data : undefined;
  const issues: unknown = isObject(data) ? data.issues : undefined;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue): InputIssue[] => {
    if (!isObject(issue) || typeof issue.message !== "string") return [];
    const path = Array.isArray(issue.path)
      ? issue.path.filter((part): part is string | number => typeof part === "string" || typeof part === "number")
      : [];
    return [{ path, message: issue.message }];
  });
}

/**
 * Issues by the field they are about, and the rest. A plan's input issues are paths in the input
 * (`text`); the API's own checks of the call put them under `input` (`input.text`).
 */
export function issuesByField(
  issues: readonly InputIssue[],
  fields: readonly string[],
): { byField: Map<string, string[]>; other: InputIssue[] } {
  const byField = new Map<string, string[]>();
  const other: InputIssue[] = [];
  for (const issue of issues) {
    const path = issue.path[0] === "input" && issue.path.length > 1 ? issue.path.slice(1) : issue.path;
    const field = typeof path[0] === "string" && fields.includes(path[0]) ? path[0] : undefined;
    if (field) byField.set(field, [...(byField.get(field) ?? []), issue.message]);
    else other.push(issue);
  }
  return { byField, other };
}
