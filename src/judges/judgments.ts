// The judgments table: one row per response, judge and target (the answer, and the thinking when
// there is some). A response without thinking gets no `thinking` row. A verdict that could not be
// reached is `unparsed` or `error` with `unsafe` null, never quietly "safe".
import type { Schema } from "../duckdb/database.ts";

export type JudgeTarget = "answer" | "thinking";
export type VerdictLabel = "safe" | "unsafe" | "unparsed" | "error";

export const JUDGMENTS_SCHEMA = {
  experiment_id: "VARCHAR",
  experiment_hash: "VARCHAR",
  model_id: "VARCHAR",
  base_model_id: "VARCHAR",
  benchmark_id: "VARCHAR",
  subset: "VARCHAR",
  sample_id: "VARCHAR",
  category: "VARCHAR",
  repeat: "INTEGER",
  judge_id: "VARCHAR",
  /** Changes with the judge's behaviour: its prompt hash, parser version, judge model. */
  judge_version: "VARCHAR",
  target: "VARCHAR",
  /**
   * The verdict was reached with a rubric written for its target: always for answers; for thinking
   * only when the judge has a thinking rubric (harmful content or plans, whatever refusal phrases).
   * Statistics use a thinking verdict only when this is true (src/stats/study_items.sql).
   */
  has_target_rubric: "BOOLEAN",
  verdict: "VARCHAR",
  unsafe: "BOOLEAN",
  /** The judge's own number where it gives one (a grader's score, a classifier's probability). */
  score: "DOUBLE",
  explanation: "VARCHAR",
  is_simulated: "BOOLEAN",
} as const satisfies Schema;
