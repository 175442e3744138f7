// The fine-tuning comparison's statistics over one run folder: capability (scores.parquet, from
// src/eval/scores.ts) and thinking retention (responses.parquet), each computed by its file in this
// folder. Kept beside the safety study (study.ts) rather than in it: they read other inputs.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../errors.ts";
import { RESPONSES_SCHEMA } from "../eval/responses.ts";
import { SCORES_SCHEMA } from "../eval/scores.ts";
import { Database, type Schema } from "./database.ts";

/** The tables, each computed by `src/stats/<name>.sql`, with what one row is. */
export const CAPABILITY_TABLES = {
  capability:
    "per model and capability benchmark: accuracy (mean score) with 95% interval; against the base (the untuned model) on paired items: delta with seeded paired-bootstrap 95% interval, exact McNemar (sign-test) p",
  thinking_retention: "per model and benchmark, and over all benchmarks: share of answered responses that keep a thought process, with Wilson 95% interval, beside the base's",
} as const;
export type CapabilityTable = keyof typeof CAPABILITY_TABLES;

/** The columns the statistics read, and so the only ones loaded. Tests build their tables from these. */
export const CAPABILITY_INPUTS = {
  responses: { ...pick(RESPONSES_SCHEMA, ["model_id", "base_model_id", "benchmark_id", "subset", "sample_id", "repeat", "error"]), thinking_words: "INTEGER" },
  scores: pick(SCORES_SCHEMA, ["model_id", "base_model_id", "benchmark_id", "subset", "sample_id", "repeat", "correct", "score"]),
} as const;

/**
 * Words of the thinking (runs of characters other than ASCII whitespace, as responses.thinking_words
 * counts them), for run folders written before responses recorded thinking_words.
 */
const THINKING_WORDS_FROM_TEXT = `len(regexp_extract_all("thinking", '[^ \\t\\n\\x0B\\f\\r]+'))`;

/** Materializes every table in a database that holds `responses` and `scores`. */
export async function computeCapability(db: Database): Promise<void> {
  for (const table of Object.keys(CAPABILITY_TABLES)) await db.materialize(table);
}

export async function readCapability(db: Database): Promise<Record<CapabilityTable, Record<string, unknown>[]>> {
  const out: Partial<Record<CapabilityTable, Record<string, unknown>[]>> = {};
  for (const table of Object.keys(CAPABILITY_TABLES) as CapabilityTable[]) out[table] = await db.rows(`SELECT * FROM ${table}`);
  return out as Record<CapabilityTable, Record<string, unknown>[]>;
}

/**
 * Loads `runDir/responses.parquet` and `runDir/scores.parquet` (an empty table when the run has no
 * scores file: it was written before scoring existed, or by a shard) and computes every table.
 */
export async function capabilityDatabase(runDir: string): Promise<Database> {
  const db = await Database.open();
  try {
    const responses = join(runDir, "responses.parquet");
    if (!existsSync(responses)) throw new DataError({ file: responses }, "file not found", "run `thinksafe eval EXPERIMENT --out DIR` first");
    await loadView(db, "responses", responses, CAPABILITY_INPUTS.responses, { thinking_words: { from: "thinking", expression: THINKING_WORDS_FROM_TEXT } });
    const scores = join(runDir, "scores.parquet");
    if (existsSync(scores)) await loadView(db, "scores", scores, CAPABILITY_INPUTS.scores);
    else await db.createTable("scores", CAPABILITY_INPUTS.scores, []);
    await computeCapability(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A view of `file` with `schema`'s columns cast to their types; `derived` fills a column older files lack. */
async function loadView(db: Database, table: string, file: string, schema: Schema, derived: Record<string, { from: string; expression: string }> = {}): Promise<void> {
  const source = `read_parquet('${file.replaceAll("'", "''")}')`;
  let present: Set<string>;
  try {
    present = new Set((await db.rows(`DESCRIBE SELECT * FROM ${source}`)).map((row) => String(row.column_name)));
  } catch (error) {
    throw new DataError({ file }, `not a readable Parquet file (${error instanceof Error ? error.message : String(error)})`);
  }
  const columns = Object.entries(schema).map(([column, type]) => {
    if (present.has(column)) return `"${column}"::${type} AS "${column}"`;
    const fill = derived[column];
    if (fill && present.has(fill.from)) return `(${fill.expression})::${type} AS "${column}"`;
    throw new DataError({ file, column }, "missing column", "rerun the step that wrote this file with this version of thinksafe");
  });
  await db.connection.run(`CREATE OR REPLACE VIEW ${table} AS SELECT ${columns.join(", ")} FROM ${source}`);
}

function pick<S extends Schema, K extends keyof S & string>(schema: S, columns: readonly K[]): Pick<S, K> {
  return Object.fromEntries(columns.map((column) => [column, schema[column]])) as Pick<S, K>;
}
