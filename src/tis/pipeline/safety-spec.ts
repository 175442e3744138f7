// The safety specification a TiS build hands its teacher: harm categories with definitions, and what
// kinds of request are allowed, disallowed, or answered by a safe completion. An editable YAML file
// (default: experiments/tis/safety-spec.yaml); its bytes' sha256 is recorded with every stage, and
// its text is part of every teacher request, so editing it asks the teacher again.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { SpecError } from "../../errors.ts";
import { sha256 } from "../../provenance.ts";
import type { Cell, Schema } from "../../duckdb/database.ts";
import { parseYamlSpec } from "../../experiments/yaml-spec.ts";

const id = z.string().regex(/^[a-z][a-z0-9_]*$/, "use lower-case letters, digits and '_', starting with a letter");
const text = z.string().trim().min(1);

const HarmCategory = z
  .object({
    id,
    name: text,
    definition: text,
    aliases: z.array(text).default([]).describe("source datasets' names for this category (any segment of a category path), matched case-insensitively"),
  })
  .strict();

const RequestKind = z
  .object({
    name: text,
    definition: text,
    examples: z.array(text).default([]),
  })
  .strict();

export const SafetySpecSchema = z
  .object({
    id,
    version: z.union([z.int(), text]).describe("bump when you edit the file"),
    description: z.string().optional(),
    harm_categories: z.array(HarmCategory).min(1),
    requests: z
      .object({ allowed: RequestKind, disallowed: RequestKind, safe_completion: RequestKind })
      .strict()
      .describe("the three kinds of request the teacher tells apart"),
  })
  .strict();

export type SafetySpecContent = z.output<typeof SafetySpecSchema>;
export const REQUEST_KINDS = ["allowed", "disallowed", "safe_completion"] as const;

export interface SafetySpec {
  file: string;
  content: SafetySpecContent;
  /** Of the file's bytes. */
  sha256: string;
  /** Alias (lower case) → category id. */
  aliases: ReadonlyMap<string, string>;
}

export async function loadSafetySpec(file: string): Promise<SafetySpec> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecError(file, "", code === "ENOENT" ? "safety specification not found" : `cannot read (${code})`, "point safety_spec at a YAML file such as experiments/tis/safety-spec.yaml");
  }
  return parseSafetySpec(text, file);
}

export function parseSafetySpec(text: string, file: string): SafetySpec {
  const { value: content, lineOf } = parseYamlSpec(text, file, SafetySpecSchema);
  const aliases = new Map<string, string>();
  content.harm_categories.forEach((category, i) => {
    const at = (field: string, j?: number) => ["harm_categories", i, field, ...(j === undefined ? [] : [j])];
    if (content.harm_categories.findIndex((c) => c.id === category.id) !== i) {
      throw new SpecError(file, `harm_categories[${i}].id`, `duplicate category id "${category.id}"`, "every category needs its own id", lineOf(at("id")));
    }
    // A category answers to its id and name too, so a user file may label items with either.
    const names = [category.id, category.id.replaceAll("_", " "), category.name, ...category.aliases];
    names.forEach((name, k) => {
      const key = normaliseCategory(name);
      const owner = aliases.get(key);
      if (owner !== undefined && owner !== category.id) {
        const j = k - 3;
        throw new SpecError(
          file,
          `harm_categories[${i}]${j >= 0 ? `.aliases[${j}]` : ".name"}`,
          `"${name}" already names category "${owner}"`,
          "a source category must map to one harm category",
          lineOf(j >= 0 ? at("aliases", j) : at("name")),
        );
      }
      aliases.set(key, category.id);
    });
  });
  return { file, content, sha256: sha256(text), aliases };
}

function normaliseCategory(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, " ");
}

/**
 * The harm category of an item from its source's category: the most specific segment of a path
 * (`Malicious Use/Fraud or deceptive action/financial fraud`) that names a category or one of its
 * aliases wins; null when none does.
 */
export function harmCategoryOf(spec: SafetySpec, sourceCategory: string | null): string | null {
  if (sourceCategory === null) return null;
  const whole = spec.aliases.get(normaliseCategory(sourceCategory));
  if (whole) return whole;
  const segments = sourceCategory.split("/").map(normaliseCategory).filter(Boolean);
  for (const segment of segments.reverse()) {
    const found = spec.aliases.get(segment);
    if (found) return found;
  }
  return null;
}

/** The specification as the teacher reads it (the `{{specification}}` of the teacher prompt). */
export function specificationText(spec: SafetySpec): string {
  const { harm_categories: categories, requests } = spec.content;
  const kinds = REQUEST_KINDS.map((kind) => {
    const r = requests[kind];
    const examples = r.examples.length ? `\n  Examples: ${r.examples.map((e) => `"${e}"`).join("; ")}` : "";
    return `- **${r.name}**: ${r.definition}${examples}`;
  });
  return [
    "Harm categories:",
    ...categories.map((c) => `- **${c.name}**: ${c.definition}`),
    "",
    "Kinds of request:",
    ...kinds,
  ].join("\n");
}

export const SPEC_SCHEMA = {
  section: "VARCHAR",
  id: "VARCHAR",
  name: "VARCHAR",
  definition: "VARCHAR",
  /** JSON array. */
  aliases: "VARCHAR",
  /** JSON array. */
  examples: "VARCHAR",
} as const satisfies Schema;

/** The spec stage's table: one row per harm category, then one per request kind. */
export function specRows(spec: SafetySpec): Cell[][] {
  return [
    ...spec.content.harm_categories.map((c) => ["harm_category", c.id, c.name, c.definition, JSON.stringify(c.aliases), "[]"]),
    ...REQUEST_KINDS.map((kind) => {
      const r = spec.content.requests[kind];
      return ["request_kind", kind, r.name, r.definition, "[]", JSON.stringify(r.examples)];
    }),
  ];
}
