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
  const raw: unknown = doc.toJS() ?? {};
  const result = schema.safeParse(raw);
  if (!result.success) throw issueError(file, result.error.issues[0]!, lineOf, schema);
  return { value: result.data, lineOf, raw };
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
  if (issue.code === "invalid_value") {
    return new SpecError(file, path, `expected one of ${issue.values.map(String).join(", ")}`, undefined, lineOf(issue.path));
  }
  return new SpecError(file, path, issue.message.replace(/^Invalid input: /, ""), undefined, lineOf(issue.path));
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
