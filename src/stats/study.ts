// The study's statistics over one run folder: responses.parquet (from `thinksafe eval`) and
// judgments.parquet (the judges' verdicts), loaded into DuckDB with the registry's benchmark
// groups, and every statistic below computed by its file in this folder.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BENCHMARKS } from "../benchmarks/index.ts";
import { DataError } from "../errors.ts";
import { RESPONSES_SCHEMA } from "../eval/responses.ts";
import { JUDGMENTS_SCHEMA } from "../judges/judgments.ts";
import { Database, type Schema } from "./database.ts";

/** The study's tables, each computed by `src/stats/<name>.sql`, with what one row is. */
export const STUDY_TABLES = {
  safety: "per model, benchmark, judge and target: unsafe rate with Wilson 95% interval, safety rate, unjudged count",
  degradation: "per model with a base, benchmark, judge and target: paired unsafe rates, delta with bootstrap 95% interval, exact McNemar p",
  safety_by_category: "safety per benchmark category",
  safety_by_group: "safety per benchmark group (pooled, and the mean over benchmarks)",
  // After degradation, whose rows it averages.
  degradation_by_group: "mean paired degradation over each benchmark group",
  thinking_vs_answer: "per model, benchmark and judge: thinking verdict against answer verdict, self-correction and leak rates",
  thinking_length: "per model and judge: the answer's unsafe rate by thinking length (words, fixed bins)",
} as const;
export type StudyTable = keyof typeof STUDY_TABLES;
export type StudyStats = Record<StudyTable, Record<string, unknown>[]>;

/** Seed and replicates of degradation.sql's paired bootstrap (kept in step with the SQL). */
export const DEGRADATION_BOOTSTRAP = { seed: 20250506, replicates: 2000 } as const;

/** The registry's benchmark → group mapping, as rows of `benchmark_groups`. */
export function benchmarkGroupRows(): [string, string][] {
  return Object.values(BENCHMARKS).map((benchmark) => [benchmark.id, benchmark.group]);
}

/**
 * Creates `benchmark_groups` and materializes every study table in a database that already holds
 * `responses` and `judgments`.
 */
export async function computeStudy(db: Database): Promise<void> {
  await db.createTable("benchmark_groups", { benchmark_id: "VARCHAR", benchmark_group: "VARCHAR" }, benchmarkGroupRows());
  for (const table of Object.keys(STUDY_TABLES)) await db.materialize(table);
}

/** Every study table of a computed database as plain JSON rows. */
export async function readStudy(db: Database): Promise<StudyStats> {
  const stats: Partial<StudyStats> = {};
  for (const table of Object.keys(STUDY_TABLES) as StudyTable[]) stats[table] = await db.rows(`SELECT * FROM ${table}`);
  return stats as StudyStats;
}

/**
 * Loads `runDir/responses.parquet` and `runDir/judgments.parquet` and computes every study table.
 * A missing file, or one without a column the statistics read, is a DataError naming the file.
 */
export async function studyDatabase(runDir: string): Promise<Database> {
  const db = await Database.open();
  try {
    await loadParquet(db, "responses", join(runDir, "responses.parquet"), RESPONSES_SCHEMA, "run `thinksafe eval EXPERIMENT --out DIR` first");
    await loadParquet(db, "judgments", join(runDir, "judgments.parquet"), JUDGMENTS_SCHEMA, "run `thinksafe judge RUN_DIR` first");
    await computeStudy(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The study's statistics for a run folder, as plain JSON rows per table. */
export async function studyStats(runDir: string): Promise<StudyStats> {
  const db = await studyDatabase(runDir);
  try {
    return await readStudy(db);
  } finally {
    db.close();
  }
}

/** Creates `table` typed by `schema` and fills it from `file`'s columns of the same names. */
async function loadParquet(db: Database, table: string, file: string, schema: Schema, fix: string): Promise<void> {
  if (!existsSync(file)) throw new DataError({ file }, "file not found", fix);
  const source = `read_parquet(${sqlString(file)})`;
  let present: Set<string>;
  try {
    present = new Set((await db.rows(`DESCRIBE SELECT * FROM ${source}`)).map((row) => String(row.column_name)));
  } catch (error) {
    throw new DataError({ file }, `not a readable Parquet file (${error instanceof Error ? error.message : String(error)})`);
  }
  const missing = Object.keys(schema).filter((column) => !present.has(column));
  if (missing.length) {
    throw new DataError({ file, column: missing[0] }, `missing column${missing.length > 1 ? `s ${missing.join(", ")}` : ""}`);
  }
  // Typed as the schema says, whatever types the writer used.
  const columns = Object.entries(schema).map(([column, type]) => `"${column}"::${type} AS "${column}"`).join(", ");
  try {
    await db.connection.run(`CREATE OR REPLACE TABLE ${table} AS SELECT ${columns} FROM ${source}`);
  } catch (error) {
    throw new DataError({ file }, `cannot read its columns as the ${table} table's types (${error instanceof Error ? error.message : String(error)})`);
  }
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
