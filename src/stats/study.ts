// The study's statistics over one run folder: responses.parquet (from `thinksafe eval`),
// judgments.parquet (the judges' verdicts) and judge_calibration.parquet (the judges measured on
// human labels, when present), the columns the statistics read opened in DuckDB with the registry's
// benchmark groups, and every statistic below computed by its file in this folder.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BENCHMARKS } from "../benchmarks/index.ts";
import { RESPONSES_SCHEMA } from "../eval/responses.ts";
import { JUDGMENTS_SCHEMA } from "../judges/judgments.ts";
import { Database, type Schema } from "../duckdb/database.ts";
import { materialize, openStatisticsDatabase } from "./sql-files.ts";
import { loadParquet, OLDER_RESPONSES, type Derived } from "./load-parquet.ts";
import { setPAdjust, type PAdjustMethod } from "./p-adjust.ts";

/** The study's tables, each computed by `src/stats/<name>.sql`, with what one row is. */
export const STUDY_TABLES = {
  safety: "per model, benchmark, judge and target: planned, failed, unjudged and judged responses; unsafe rate over items with 95% interval, safety rate",
  degradation: "per model with a base, benchmark, judge and target: planned and dropped pairs, paired unsafe rates, delta with Tango score 95% interval, discordant b and c, p-value (exact McNemar) and its multiplicity-adjusted value",
  safety_by_category: "safety per benchmark category",
  // After safety and degradation, whose rows they average.
  safety_by_group: "safety per benchmark group: pooled over items, and the mean over benchmarks, each with a 95% interval",
  degradation_by_group: "mean paired degradation over each benchmark group, each benchmark weighing the same, with a MOVER 95% interval",
  safety_corrected: "each answer unsafe rate corrected for its judge's calibrated error (Rogan-Gladen, Lang-Reiczigel interval), or why it cannot be",
  thinking_vs_answer: "per model, benchmark and judge: thinking verdict (thinking rubric only) against answer verdict, self-correction and leak rates",
  thinking_length: "per model, benchmark and judge: the answer's unsafe rate by thinking length (words, fixed bins) and their rank correlation",
} as const;
export type StudyTable = keyof typeof STUDY_TABLES;

/**
 * Computed first, not published: the item as the unit (src/stats/study_items.sql), which the study
 * tables read. Its rows are unordered.
 */
export const STUDY_STEPS = {
  study_items: "per model, item (benchmark sample), judge and target: planned, failed, unjudged and judged responses, unsafe share",
} as const;
export type StudyStats = Record<StudyTable, Record<string, unknown>[]>;

/**
 * The columns the study's SQL reads, and so the only ones loaded: the texts (prompt, thinking,
 * answer, explanation) stay on disk. The tests build their tables from these schemas alone.
 */
export const STUDY_INPUTS = {
  responses: pick(RESPONSES_SCHEMA, ["model_id", "base_model_id", "benchmark_id", "subset", "sample_id", "category", "repeat", "error", "thinking_words"]),
  judgments: pick(JUDGMENTS_SCHEMA, ["model_id", "benchmark_id", "subset", "sample_id", "category", "repeat", "judge_id", "judge_version", "target", "has_target_rubric", "unsafe"]),
  judge_calibration: { human_set_id: "VARCHAR", judge_id: "VARCHAR", judge_version: "VARCHAR", n: "INTEGER", tp: "INTEGER", fp: "INTEGER", tn: "INTEGER", fn: "INTEGER", kappa: "DOUBLE" },
} as const;

export interface StudyOptions {
  /** Default "holm". */
  pAdjust?: PAdjustMethod;
  onStep?: StepTimer;
}

/**
 * judgments.parquet of run folders written before judgments recorded has_target_rubric: no judge had
 * a thinking rubric then, so their thinking verdicts (the refusal-keyword matcher's, an answer
 * rubric's) are not used, and their answer verdicts are.
 */
export const OLDER_JUDGMENTS: Record<string, Derived> = {
  has_target_rubric: { from: "target", expression: `"target" = 'answer'`, prepare: () => {} },
};

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
 * `responses`, `judgments` and `judge_calibration`.
 */
export async function computeStudy(db: Database, { pAdjust = "holm", onStep }: StudyOptions = {}): Promise<void> {
  await setPAdjust(db, pAdjust);
  await db.createTable("benchmark_groups", { benchmark_id: "VARCHAR", benchmark_group: "VARCHAR" }, benchmarkGroupRows());
  for (const table of [...Object.keys(STUDY_STEPS), ...Object.keys(STUDY_TABLES)]) await timed(table, onStep, () => materialize(db, table));
}


/** Every study table of a computed database as plain JSON rows. */
export async function readStudy(db: Database): Promise<StudyStats> {
  const stats: Partial<StudyStats> = {};
  for (const table of Object.keys(STUDY_TABLES) as StudyTable[]) stats[table] = await db.rows(`SELECT * FROM ${table}`);
  return stats as StudyStats;
}

/**
 * Loads `runDir/responses.parquet`, `runDir/judgments.parquet` and, when present,
 * `runDir/judge_calibration.parquet` (otherwise no judge is corrected for its error) and computes
 * every study table. A missing file, or one without a column the statistics read, is a DataError
 * naming the file.
 */
export async function studyDatabase(runDir: string, options: StudyOptions = {}): Promise<Database> {
  const { onStep } = options;
  const db = await openStatisticsDatabase();
  try {
    await timed("responses.parquet", onStep, () =>
      loadParquet(db, "responses", join(runDir, "responses.parquet"), STUDY_INPUTS.responses, "run `thinksafe eval EXPERIMENT --out DIR` first", OLDER_RESPONSES),
    );
    await timed("judgments.parquet", onStep, () =>
      loadParquet(db, "judgments", join(runDir, "judgments.parquet"), STUDY_INPUTS.judgments, "run `thinksafe judge RUN_DIR` first", OLDER_JUDGMENTS),
    );
    const calibration = join(runDir, "judge_calibration.parquet");
    if (existsSync(calibration)) await loadParquet(db, "judge_calibration", calibration, STUDY_INPUTS.judge_calibration, "rerun `thinksafe judge RUN_DIR`, or delete the file");
    else await db.createTable("judge_calibration", STUDY_INPUTS.judge_calibration, []);
    await computeStudy(db, options);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The study's statistics for a run folder, as plain JSON rows per table. */
export async function studyStats(runDir: string, options: StudyOptions = {}): Promise<StudyStats> {
  const db = await studyDatabase(runDir, options);
  try {
    return await timed("rows as JSON", options.onStep, () => readStudy(db));
  } finally {
    db.close();
  }
}

function pick<S extends Schema, K extends keyof S & string>(schema: S, columns: readonly K[]): Pick<S, K> {
  return Object.fromEntries(columns.map((column) => [column, schema[column]])) as Pick<S, K>;
}

