// `thinksafe stats RUN_DIR`: the study's statistics over a run folder's responses.parquet and
// judgments.parquet (and judge_calibration.parquet, scores.parquet when present). JSON gives every
// table's rows (safety and degradation first); the table format prints them for reading: rates in
// percent with 95% intervals, missing data, p-values with their multiplicity-adjusted values.
import { join } from "node:path";
import { capabilityDatabase, readCapability, type CapabilityTable } from "../stats/capability.ts";
import type { PAdjustMethod } from "../stats/p-adjust.ts";
import { readingParquet } from "../duckdb/parquet-file.ts";
import { studyStats, type StudyStats } from "../stats/study.ts";
import { assertRunBelongsTogether } from "../eval/run-folder.ts";
import { textTable } from "./format.ts";

export interface StatsOptions {
  format: "json" | "table";
  /** How each family of p-values is adjusted (default Holm). */
  pAdjust?: PAdjustMethod;
}

export async function statsCommand(runDir: string, options: StatsOptions): Promise<string> {
  const pAdjust = options.pAdjust ?? "holm";
  // Statistics over files of different runs would pair one run's responses with another's verdicts.
  await assertRunBelongsTogether(runDir, ["manifest.json", "responses.parquet", "judgments.parquet", "judge_calibration.parquet", "scores.parquet"]);
  // The files are checked as they are opened; a page damaged past the footer shows up while the
  // statistics read it, and is reported against its file too.
  const files = ["responses", "judgments", "judge_calibration", "scores"].map((name) => join(runDir, `${name}.parquet`));
  const stats = await readingParquet(files, "rerun the command that wrote it (thinksafe eval, judge or merge; answers come from the cache)", async () => ({
    ...(await studyStats(runDir, { pAdjust })),
    ...(await capabilityStats(runDir, pAdjust)),
  }));
  if (options.format === "json") return JSON.stringify(stats, null, 2);
  return formatTables(stats, pAdjust);
}

/** Capability and thinking retention (after the safety tables: the JSON contract puts those first). */
async function capabilityStats(runDir: string, pAdjust: PAdjustMethod): Promise<Record<CapabilityTable, Row[]>> {
  const db = await capabilityDatabase(runDir, { pAdjust });
  try {
    return await readCapability(db);
  } finally {
    db.close();
  }
}

type Row = Record<string, unknown>;

/** What the adjusted p-values are called in headings. */
export const P_ADJUST_NAMES: Record<PAdjustMethod, string> = {
  holm: "Holm-adjusted",
  bh: "Benjamini-Hochberg-adjusted",
  none: "not adjusted for multiplicity",
};

function formatTables(stats: StudyStats & Record<CapabilityTable, Row[]>, pAdjust: PAdjustMethod): string {
  const sections: string[] = [];
  const section = (title: string, rows: Row[], body: () => string) =>
    sections.push(`${title}\n\n${rows.length ? body() : "(no rows)"}`);
  const adjusted = P_ADJUST_NAMES[pAdjust];

  section(
    "Unsafe rate per model and benchmark (% over items, [95%]; planned = judged + failed + unjudged, ! = over 5% missing)",
    stats.safety,
    () =>
      textTable(
        ["model", "benchmark", "judge", "target", "planned", "failed", "unjudged", "n", "unsafe %", "safe %"],
        stats.safety.map((r) => [
          text(r.model_id), text(r.benchmark_id), text(r.judge_id), text(r.target), `${text(r.n_planned)}${r.has_excess_missing ? " !" : ""}`,
          text(r.n_failed), text(r.n_unjudged), text(r.n), pct(r.unsafe_rate, r.ci_low, r.ci_high), pct(r.safety_rate),
        ]),
        ["left", "left", "left", "left", "right", "right", "right", "right", "right", "right"],
      ),
  );
  section(
    "Unsafe rate per benchmark group (pooled: each item weighs the same; mean: each benchmark weighs the same; [95%])",
    stats.safety_by_group,
    () =>
      textTable(
        ["model", "group", "judge", "target", "benchmarks", "n", "pooled unsafe %", "mean of benchmarks %"],
        stats.safety_by_group.map((r) => [
          text(r.model_id), text(r.benchmark_group), text(r.judge_id), text(r.target), text(r.n_benchmarks), text(r.n),
          pct(r.unsafe_rate, r.ci_low, r.ci_high), pct(r.mean_benchmark_unsafe_rate, r.mean_ci_low, r.mean_ci_high),
        ]),
        ["left", "left", "left", "left", "right", "right", "right", "right"],
      ),
  );
  section(
    `Degradation against the base model on paired items (percentage points; [Tango 95%]; p: exact McNemar, adjusted: ${adjusted} per judge and target; ! = over 5% of planned pairs dropped)`,
    stats.degradation,
    () =>
      textTable(
        ["model", "base", "benchmark", "judge", "target", "pairs", "dropped", "unsafe %", "base unsafe %", "delta pp", "b", "c", "p", "adjusted p"],
        stats.degradation.map((r) => [
          text(r.model_id), text(r.base_model_id), text(r.benchmark_id), text(r.judge_id), text(r.target), text(r.n_pairs),
          `${dropped(r)}${r.has_excess_missing ? " !" : ""}`, pct(r.unsafe_rate), pct(r.base_unsafe_rate), pct(r.delta, r.ci_low, r.ci_high, true),
          count(r.b), count(r.c), `${pValue(r.p_value)}${r.test === "score_design_effect" ? "†" : ""}`, pValue(r.p_adjusted),
        ]),
        ["left", "left", "left", "left", "left", "right", "right", "right", "right", "right", "right", "right", "right", "right"],
      ),
  );
  section(
    "Degradation per benchmark group (mean over the group's benchmarks, each weighing the same; percentage points, [MOVER 95%])",
    stats.degradation_by_group,
    () =>
      textTable(
        ["model", "base", "group", "judge", "target", "benchmarks", "pairs", "unsafe %", "base unsafe %", "delta pp"],
        stats.degradation_by_group.map((r) => [
          text(r.model_id), text(r.base_model_id), text(r.benchmark_group), text(r.judge_id), text(r.target),
          text(r.n_benchmarks), text(r.n_pairs), pct(r.mean_unsafe_rate), pct(r.mean_base_unsafe_rate),
          pct(r.mean_delta, r.mean_delta_ci_low, r.mean_delta_ci_high, true),
        ]),
        ["left", "left", "left", "left", "left", "right", "right", "right", "right", "right"],
      ),
  );
  section(
    "Judge error as a sensitivity analysis: answer unsafe rate corrected for the judge's error on a human-labelled set (Rogan-Gladen, [Lang-Reiczigel 95%]); the set is not the study's distribution",
    stats.safety_corrected,
    () =>
      textTable(
        ["model", "benchmark", "judge", "human set", "raw unsafe %", "sensitivity %", "specificity %", "corrected %"],
        stats.safety_corrected.map((r) => [
          text(r.model_id), text(r.benchmark_id), text(r.judge_id), text(r.human_set_id), pct(r.unsafe_rate, r.ci_low, r.ci_high),
          pct(r.sensitivity), pct(r.specificity), r.status === "corrected" ? pct(r.corrected_rate, r.corrected_ci_low, r.corrected_ci_high) : String(r.status).replaceAll("_", " "),
        ]),
        ["left", "left", "left", "left", "right", "right", "right", "right"],
      ),
  );
  section(
    "Thinking against answer (thinking judged with a thinking rubric; no human labels exist for thinking): self-correction = safe answer after unsafe thinking; leak = unsafe thinking behind a safe answer",
    stats.thinking_vs_answer,
    () =>
      textTable(
        ["model", "benchmark", "judge", "n", "T+A+", "T+A-", "T-A+", "T-A-", "self-correction %", "leak %"],
        stats.thinking_vs_answer.map((r) => [
          text(r.model_id), text(r.benchmark_id), text(r.judge_id), text(r.n),
          text(r.unsafe_thinking_unsafe_answer), text(r.unsafe_thinking_safe_answer),
          text(r.safe_thinking_unsafe_answer), text(r.safe_thinking_safe_answer),
          pct(r.self_correction_rate, r.self_correction_ci_low, r.self_correction_ci_high),
          pct(r.leak_rate, r.leak_ci_low, r.leak_ci_high),
        ]),
        ["left", "left", "left", "right", "right", "right", "right", "right", "right", "right"],
      ),
  );
  section(
    "Thinking length and unsafe answers, per benchmark: an association, not an effect (Spearman's rho over items [95%], and the unsafe rate by length)",
    stats.thinking_length,
    () =>
      textTable(
        ["model", "benchmark", "judge", "words", "items", "mean words", "unsafe %", "rho"],
        stats.thinking_length.map((r) => [
          text(r.model_id), text(r.benchmark_id), text(r.judge_id),
          r.bin === null ? "all" : r.words_max === null ? `${text(r.words_min)}+` : `${text(r.words_min)}-${text(r.words_max)}`,
          text(r.n_items), typeof r.mean_words === "number" ? r.mean_words.toFixed(0) : "n/a", pct(r.unsafe_rate, r.ci_low, r.ci_high),
          r.bin === null ? withInterval(r.spearman_rho, r.rho_ci_low, r.rho_ci_high) : "",
        ]),
        ["left", "left", "left", "right", "right", "right", "right", "right"],
      ),
  );
  section("Thinking retention (share of answered responses with a thought process, [Wilson 95%])", stats.thinking_retention.filter((r) => r.benchmark_id !== null), () =>
    textTable(
      ["model", "base", "benchmark", "n", "thinking %", "base thinking %"],
      stats.thinking_retention.filter((r) => r.benchmark_id !== null).map((r) => [
        text(r.model_id), text(r.base_model_id), text(r.benchmark_id), text(r.n), pct(r.thinking_rate, r.ci_low, r.ci_high), pct(r.base_thinking_rate),
      ]),
      ["left", "left", "left", "right", "right", "right"],
    ),
  );
  if (stats.capability.length) {
    section(`Capability (accuracy over items, % [95%]; against the base on paired items, percentage points [Tango 95%], adjusted p: ${adjusted})`, stats.capability, () =>
      textTable(
        ["model", "base", "benchmark", "planned", "n", "accuracy %", "delta pp", "p", "adjusted p"],
        stats.capability.map((r) => [
          text(r.model_id), text(r.base_model_id), text(r.benchmark_id), text(r.n_planned), text(r.n), pct(r.accuracy, r.ci_low, r.ci_high),
          pct(r.delta, r.delta_ci_low, r.delta_ci_high, true), pValue(r.p_value), pValue(r.p_adjusted),
        ]),
        ["left", "left", "left", "right", "right", "right", "right", "right", "right"],
      ),
    );
  }
  sections.push(
    "T+/T-: thinking judged unsafe/safe; A+/A-: answer judged unsafe/safe. b, c: discordant pairs (model unsafe only, base unsafe only; with repeats, summed item shares). † repeats that disagree: design-effect scaled score test. Per-category rows: --format json (safety_by_category).",
  );
  return sections.join("\n\n");
}

function text(value: unknown): string {
  return value === null || value === undefined ? "n/a" : String(value);
}

/** A count, with two decimals when fractional (summed item shares). */
function count(value: unknown): string {
  return typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : "n/a";
}

function dropped(r: Row): string {
  const failed = r.n_dropped_failed as number;
  const unjudged = r.n_dropped_unjudged as number;
  return failed + unjudged === 0 ? "0" : `${failed + unjudged} (${failed} failed, ${unjudged} unjudged)`;
}

/** A fraction as a percentage with one decimal, and its interval when given; signed for differences. */
function pct(value: unknown, low?: unknown, high?: unknown, signed = false): string {
  if (typeof value !== "number") return "n/a";
  const f = (x: unknown, sign: boolean) =>
    typeof x === "number" ? `${sign && x > 0 ? "+" : ""}${(100 * x).toFixed(1)}` : "?";
  const interval = low === undefined && high === undefined ? "" : ` [${f(low, false)}, ${f(high, false)}]`;
  return `${f(value, signed)}${interval}`;
}

function withInterval(value: unknown, low: unknown, high: unknown): string {
  if (typeof value !== "number") return "n/a";
  const f = (x: unknown) => (typeof x === "number" ? x.toFixed(2) : "?");
  return `${f(value)} [${f(low)}, ${f(high)}]`;
}

function pValue(value: unknown): string {
  if (typeof value !== "number") return "n/a";
  return value < 0.001 ? value.toExponential(1) : value.toFixed(3);
}
