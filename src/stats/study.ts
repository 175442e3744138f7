// The study's statistics over one run folder: responses.parquet (from `thinksafe eval`) and
// judgments.parquet (the judges' verdicts), the columns the statistics read opened in DuckDB with
// the registry's benchmark groups, and every statistic below computed by its file in this folder.
import { join } from "node:path";
import { BENCHMARKS } from "../benchmarks/index.ts";
import { RESPONSES_SCHEMA } from "../eval/responses.ts";
import { JUDGMENTS_SCHEMA } from "../judges/judgments.ts";
import { Database, type Schema } from "./database.ts";
import { loadParquet, OLDER_RESPONSES } from "./load-parquet.ts";

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

/**
 * The columns the study's SQL reads, and so the only ones loaded: the texts (prompt, thinking,
 * answer, explanation) stay on disk. The tests build their tables from these schemas alone.
 */
export const STUDY_INPUTS = {
  responses: pick(RESPONSES_SCHEMA, ["model_id", "benchmark_id", "subset", "sample_id", "repeat", "thinking_words"]),
  judgments: pick(JUDGMENTS_SCHEMA, ["model_id", "base_model_id", "benchmark_id", "subset", "sample_id", "category", "repeat", "judge_id", "target", "unsafe"]),
} as const;

/** Seed and replicates of degradation.sql's paired bootstrap (kept in step with the SQL). */
export const DEGRADATION_BOOTSTRAP = { seed: 20250506, replicates: 2000 } as const;

/** The registry's benchmark → group mapping, as rows of `benchmark_groups`. */
export function benchmarkGroupRows(): [string, string][] {
  return Object.values(BENCHMARKS).map((benchmark) => [benchmark.id, benchmark.group]);
}

/** Told how long each step took (loading a file, computing a table, reading the rows), for benchmarks. */
export type StepTimer = (step: string, ms: number) => void;

async function timed<T>(step: string, onStep: StepTimer | undefined, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  onStep?.(step, performance.now() - started);
  return result;
}

/**
 * Creates `benchmark_groups` and materializes every study table in a database that already holds
 * `responses` and `judgments`.
 */
export async function computeStudy(db: Database, onStep?: StepTimer): Promise<void> {
  await db.createTable("benchmark_groups", { benchmark_id: "VARCHAR", benchmark_group: "VARCHAR" }, benchmarkGroupRows());
  for (const table of Object.keys(STUDY_TABLES)) await timed(table, onStep, () => db.materialize(table));
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
export async function studyDatabase(runDir: string, onStep?: StepTimer): Promise<Database> {
  const db = await Database.open();
  try {
    await timed("responses.parquet", onStep, () =>
      loadParquet(db, "responses", join(runDir, "responses.parquet"), STUDY_INPUTS.responses, "run `thinksafe eval EXPERIMENT --out DIR` first", OLDER_RESPONSES),
    );
    await timed("judgments.parquet", onStep, () =>
      loadParquet(db, "judgments", join(runDir, "judgments.parquet"), STUDY_INPUTS.judgments, "run `thinksafe judge RUN_DIR` first"),
    );
    await computeStudy(db, onStep);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The study's statistics for a run folder, as plain JSON rows per table. */
export async function studyStats(runDir: string, onStep?: StepTimer): Promise<StudyStats> {
  const db = await studyDatabase(runDir, onStep);
  try {
    return await timed("rows as JSON", onStep, () => readStudy(db));
  } finally {
    db.close();
  }
}

function pick<S extends Schema, K extends keyof S & string>(schema: S, columns: readonly K[]): Pick<S, K> {
  return Object.fromEntries(columns.map((column) => [column, schema[column]])) as Pick<S, K>;
}

