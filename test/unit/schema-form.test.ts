import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  FieldValueError,
  formOf,
  inputOf,
  issuesByField,
  issuesOf,
  labelOf,
  type Field,
  type ControlValue,
} from "../../src/app/_runs/schema-form";
import { wordCountPlan } from "../../src/plans/word-count";

// The JSON Schemas run.plans sends: zod's, made the way the server makes them.
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { unrepresentable: "any" });

const rich = z.object({
  url: z.url().describe("Where to start"),
  title: z.string().min(2).max(40).optional(),
  depth: z.int().min(1).max(5).default(2),
  ratio: z.number().gt(0).lt(1).optional(),
  headless: z.boolean().default(true),
  mode: z.enum(["fast", "thorough"]),
  tags: z.array(z.string()).optional(),
});

const byName = (fields: Field[]) => Object.fromEntries(fields.map((field) => [field.name, field]));

describe("a start form from a plan's input JSON Schema", () => {
  it("gives the word-count plan one required textarea bounded like its schema", () => {
    const form = formOf(jsonSchema(wordCountPlan.input));
    expect(form).toEqual({
      kind: "fields",
      fields: [
        {
          kind: "text",
          name: "text",
          label: "Text",
          description: undefined,
          required: true,
          multiline: true,
          inputType: "text",
          maxLength: 10_000,
        },
      ],
    });
  });

  it("maps strings, numbers, integers, booleans and enums with their constraints, defaults and required marks", () => {
    const form = formOf(jsonSchema(rich));
    if (form.kind !== "fields") throw new Error("expected fields");
    const fields = byName(form.fields);
    expect(fields.url).toMatchObject({ kind: "text", inputType: "url", required: true, description: "Where to start" });
    expect(fields.title).toMatchObject({
      kind: "text",
      minLength: 2,
      maxLength: 40,
      multiline: false,
      required: false,
    });
    expect(fields.depth).toMatchObject({ kind: "number", integer: true, min: 1, max: 5, defaultValue: 2 });
    expect(fields.ratio).toMatchObject({ kind: "number", integer: false, required: false });
    expect(fields.headless).toMatchObject({ kind: "boolean", defaultValue: true });
    expect(fields.mode).toMatchObject({ kind: "choice", options: ["fast", "thorough"], required: true });
    // No control for an array: edited as JSON.
    expect(fields.tags).toMatchObject({ kind: "json", required: false });
  });

  it("falls back to one JSON field for an input that is not an object of properties", () => {
    expect(formOf(jsonSchema(z.union([z.object({ a: z.string() }), z.object({ b: z.number() })])))).toMatchObject({
      kind: "json",
      field: { name: "input", kind: "json" },
    });
  });

  it("turns filled controls into the input: numbers as numbers, empty optional fields left out", () => {
    const form = formOf(jsonSchema(rich));
    const controls: Record<string, ControlValue> = {
      url: "https://example.test/",
      title: "",
      depth: "3",
      ratio: "",
      headless: false,
      mode: "1",
      tags: '["a","b"]',
    };
    expect(inputOf(form, (field) => controls[field.name])).toEqual({
      url: "https://example.test/",
      depth: 3,
      headless: false,
      mode: "thorough",
      tags: ["a", "b"],
    });
  });

  it("refuses a JSON field that does not parse, naming the field", () => {
    const form = formOf(jsonSchema(rich));
    const call = () =>
      inputOf(form, (field) => (field.name === "tags" ? "[oops" : field.kind === "boolean" ? true : "1"));
    expect(call).toThrow(FieldValueError);
    expect(call).toThrow(expect.objectContaining({ field: "tags" }));
  });

  it("reads the issues of a BAD_REQUEST and puts each next to its field, the rest apart", () => {
    const error = {
      data: {
        code: "BAD_REQUEST",
        issues: [
          { code: "invalid_type", path: ["text"], message: "Invalid input: expected string" },
          { code: "custom", path: ["input", "text"], message: "too long" },
          { code: "custom", path: ["plan"], message: "unknown plan x" },
          { path: "not an array", message: "no path" },
          "garbage",
        ],
      },
    };
    const issues = issuesOf(error);
    expect(issues).toHaveLength(4);
    const { byField, other } = issuesByField(issues, ["text"]);
    expect(byField.get("text")).toEqual(["Invalid input: expected string", "too long"]);
    expect(other.map((issue) => issue.message)).toEqual(["unknown plan x", "no path"]);
    expect(issuesOf(new Error("network"))).toEqual([]);
  });

  it("labels a property by its words", () => {
    expect(["text", "maxDepth", "start_url"].map(labelOf)).toEqual(["Text", "Max depth", "Start url"]);
  });
});
