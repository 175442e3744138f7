// Reading a zod-validated YAML file (experiment files, TiS build specs, the safety specification):
// every problem is a SpecError naming the file, the line, the field path and the fix.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { SpecError } from "../errors.ts";

/** The line of a field path in the document (the key itself when present, else its nearest parent). */
export type LineOf = (path: readonly PropertyKey[]) => number | undefined;

export interface ParsedYaml<T> {
  value: T;
  lineOf: LineOf;
  /** The document as written, before defaults: tells a field given from a default one. */
  raw: unknown;
}

/** Parses `text` as YAML and validates it with `schema`; the first problem becomes a SpecError. */
export function parseYamlSpec<S extends z.ZodType>(text: string, file: string, schema: S): ParsedYaml<z.output<S>> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const [yamlError] = doc.errors;
  if (yamlError) {
    throw new SpecError(file, "", `not valid YAML: ${yamlError.message.split("\n")[0]}`, undefined, lines.linePos(yamlError.pos[0]).line);
  }
  const lineOf: LineOf = (path) => nodeLine(doc, lines, path);
  const plain = yamlValue(doc);
  if (!plain.ok) throw new SpecError(file, "", plain.problem, plain.fix);
  const raw = plain.value;
  if (raw === null || raw === undefined) {
    throw new SpecError(file, "", "the file is empty", `it needs at least ${requiredKeys(schema).join(", ")}`);
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new SpecError(file, "", `expected a mapping of fields (${requiredKeys(schema).map((k) => `${k}: …`).join(", ")}), found ${describeValue(raw)}`, undefined, lineOf([]));
  }
  // reportInput: zod then says what it found, not only what it expected.
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) throw issueError(file, result.error.issues[0]!, lineOf, schema);
  return { value: result.data, lineOf, raw };
}

/** Aliases a document may expand before it is taken for an alias bomb (yaml's own default). */
export const MAX_YAML_ALIASES = 100;

/**
 * The document's plain value. Aliases of aliases expand exponentially (a "billion laughs" file of a
 * few hundred bytes would take gigabytes); yaml stops past MAX_YAML_ALIASES, reported here by name.
 */
export function yamlValue(doc: Document): { ok: true; value: unknown } | { ok: false; problem: string; fix: string } {
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return /excessive alias/i.test(error.message)
      ? { ok: false, problem: `its aliases (*name) expand to more than ${MAX_YAML_ALIASES} copies: an alias bomb ("billion laughs"), refused`, fix: "write the values out instead of aliasing aliases" }
      : { ok: false, problem: `not valid YAML: ${error.message}`, fix: "define each anchor (&name) before its aliases (*name)" };
  }
}

/** `models[2].base_url` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

function issueError(file: string, issue: z.core.$ZodIssue, lineOf: LineOf, schema: z.ZodType): SpecError {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const at = [...issue.path, issue.keys[0]!];
    const known = knownKeys(schema, issue.path);
    return new SpecError(file, formatPath(at), "unknown field", known.length ? `known fields here: ${known.join(", ")}` : undefined, lineOf(at));
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return new SpecError(file, path, "is missing", `add ${String(issue.path.at(-1))}: <${issue.expected}>`, lineOf(issue.path.slice(0, -1)));
  }
  // Everything else is about the value at the field's own line: what was expected, what was found.
  const line = lineOf(issue.path);
  const found = mayEcho(issue.path) ? `, found ${describeValue(issue.input)}` : "";
  if (issue.code === "invalid_type") {
    const expected = expectedOf(schema, issue.path) ?? article(issue.expected);
    const quoted = typeof issue.input === "string" && issue.input.trim() !== "" && !Number.isNaN(Number(issue.input)) && /number/.test(expected);
    return new SpecError(file, path, `expected ${expected}${found}`, quoted ? `write it without quotes: ${String(issue.path.at(-1))}: ${issue.input}` : undefined, line);
  }
  if (issue.code === "invalid_value") {
    return new SpecError(file, path, `expected ${issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.map(String).join(", ")}`}${found}`, undefined, line);
  }
  if ((issue.code === "too_small" || issue.code === "too_big") && issue.origin === "number") {
    const bound = issue.code === "too_small" ? (issue.inclusive ? "at least" : "greater than") : issue.inclusive ? "at most" : "less than";
    return new SpecError(file, path, `expected ${expectedOf(schema, issue.path) ?? "a number"} ${bound} ${String(issue.code === "too_small" ? issue.minimum : issue.maximum)}${found}`, undefined, line);
  }
  // Format problems (an id's characters, a URL, a variable's NAME) carry their own message; the value
  // is not echoed, as it may be a key pasted in the wrong place.
  return new SpecError(file, path, issue.message.replace(/^Invalid input: /, ""), undefined, line);
}

/** What a field takes, in words, from the schema itself (zod says "number" for a whole number). */
function expectedOf(root: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  let schema = root;
  for (const step of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject && typeof step === "string") schema = schema.shape[step] as z.ZodType;
    else if (schema instanceof z.ZodArray && typeof step === "number") schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord && typeof step === "string") schema = schema.valueType as z.ZodType;
    else return undefined;
    if (schema === undefined) return undefined;
  }
  schema = unwrap(schema);
  if (schema instanceof z.ZodNumber) return schema.format?.includes("int") ? "a whole number" : "a number";
  if (schema instanceof z.ZodString) return "text";
  if (schema instanceof z.ZodBoolean) return "true or false";
  if (schema instanceof z.ZodArray) return "a list";
  if (schema instanceof z.ZodObject || schema instanceof z.ZodRecord) return "a mapping of fields";
  return undefined;
}

function article(type: string): string {
  return { number: "a number", int: "a whole number", string: "text", boolean: "true or false", array: "a list", object: "a mapping of fields" }[type] ?? type;
}

/** A YAML value as a reader would name it: `text "three"`, `the number 2.5`, `a list`, `nothing (an empty value)`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing (an empty value)";
  if (typeof value === "string") return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  return "a mapping";
}

/** Values of fields that may hold a secret by mistake are never repeated in a message. */
function mayEcho(path: readonly PropertyKey[]): boolean {
  return !/key|token|secret|password|url/i.test(String(path.at(-1) ?? ""));
}

/** Field names the schema allows at an object path, for "did you mean" help. */
function knownKeys(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let schema = root;
  for (const step of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject && typeof step === "string") schema = schema.shape[step] as z.ZodType;
    else if (schema instanceof z.ZodArray && typeof step === "number") schema = schema.element as z.ZodType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).filter((k) => k !== "$schema") : [];
}

/** The top-level fields without a default, which every file must give. */
function requiredKeys(root: z.ZodType): string[] {
  const schema = unwrap(root);
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>)
    .filter(([, field]) => !(field instanceof z.ZodOptional || field instanceof z.ZodDefault || field instanceof z.ZodPrefault))
    .map(([key]) => key);
}

function unwrap(schema: z.ZodType): z.ZodType {
  while (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) schema = schema.unwrap() as z.ZodType;
  return schema;
}

function nodeLine(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as Ranged | undefined;
    const target = n === path.length && path.length > 0 ? (keyNode(doc, path) ?? node) : node;
    if (target?.range) return lines.linePos(target.range[0]).line;
  }
  return undefined;
}

type Ranged = { range?: [number, number, number] };

/** The node of the key itself (`model:`), which is where an editor should point. */
function keyNode(doc: Document, path: readonly PropertyKey[]): Ranged | undefined {
  const parent = doc.getIn(path.slice(0, -1) as unknown[], true);
  const last = path.at(-1);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === last);
    return (pair?.key ?? undefined) as Ranged | undefined;
  }
  if (isSeq(parent) && typeof last === "number") return parent.items[last] as Ranged | undefined;
  return undefined;
}
