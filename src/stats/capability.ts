// The fine-tuning comparison's statistics over one run folder: capability (scores.parquet, from
// src/eval/scores.ts) and thinking retention (responses.parquet), each computed by its file in this
// folder. Kept beside the safety study (study.ts) rather than in it: they read other inputs.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RESPONSES_SCHEMA } from "../eval/responses.ts";
import { SCORES_SCHEMA } from "../eval/scores.ts";
import { Database, type Schema } from "../duckdb/database.ts";
import { materialize, openStatisticsDatabase } from "./sql-files.ts";
import { loadParquet, OLDER_RESPONSES } from "./load-parquet.ts";
import { setPAdjust, type PAdjustMethod } from "./p-adjust.ts";

/** The tables, each computed by `src/stats/<name>.sql`, with what one row is. */
export const CAPABILITY_TABLES = {
  capability:
    "per model and capability benchmark: planned, failed, unscored and scored answers, accuracy (mean item score) with 95% interval; against the base (the untuned model) on paired items: delta with Tango score 95% interval, p-value (exact McNemar) and its multiplicity-adjusted value",
  thinking_retention: "per model and benchmark, and over all benchmarks: share of answered responses that keep a thought process, with Wilson 95% interval, beside the base's",
} as const;
export type CapabilityTable = keyof typeof CAPABILITY_TABLES;

/** The columns the statistics read, and so the only ones loaded. Tests build their tables from these. */
export const CAPABILITY_INPUTS = {
  responses: pick(RESPONSES_SCHEMA, ["model_id", "base_model_id", "benchmark_id", "subset", "sample_id", "repeat", "error", "thinking_words"]),
  scores: pick(SCORES_SCHEMA, ["model_id", "base_model_id", "benchmark_id", "subset", "sample_id", "repeat", "correct", "score"]),
} as const;

/** Materializes every table in a database that holds `responses` and `scores` (p-values adjusted by `pAdjust`, default Holm). */
export async function computeCapability(db: Database, { pAdjust = "holm" }: { pAdjust?: PAdjustMethod } = {}): Promise<void> {
  await setPAdjust(db, pAdjust);
  for (const table of Object.keys(CAPABILITY_TABLES)) await materialize(db, table);
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
export async function capabilityDatabase(runDir: string, options: { pAdjust?: PAdjustMethod } = {}): Promise<Database> {
  const db = await openStatisticsDatabase();
  try {
    await loadParquet(db, "responses", join(runDir, "responses.parquet"), CAPABILITY_INPUTS.responses, "run `thinksafe eval EXPERIMENT --out DIR` first", OLDER_RESPONSES);
    const scores = join(runDir, "scores.parquet");
    if (existsSync(scores)) await loadParquet(db, "scores", scores, CAPABILITY_INPUTS.scores, "rerun `thinksafe eval` or `thinksafe merge` with this version of thinksafe");
    else await db.createTable("scores", CAPABILITY_INPUTS.scores, []);
    await computeCapability(db, options);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function pick<S extends Schema, K extends keyof S & string>(schema: S, columns: readonly K[]): Pick<S, K> {
  return Object.fromEntries(columns.map((column) => [column, schema[column]])) as Pick<S, K>;
}
