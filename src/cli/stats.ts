// `thinksafe stats RUN_DIR`: the study's statistics over a run folder's responses.parquet and
// judgments.parquet. JSON gives every table's rows (safety and degradation first); the table format
// prints them for reading: rates in percent with 95% intervals, p-values.
import { join } from "node:path";
import { capabilityDatabase, readCapability, type CapabilityTable } from "../stats/capability.ts";
import { readingParquet } from "../stats/parquet-file.ts";
import { studyStats, type StudyStats } from "../stats/study.ts";
import { assertRunBelongsTogether } from "../eval/run-folder.ts";
import { textTable } from "./format.ts";

export interface StatsOptions {
  format: "json" | "table";
}

export async function statsCommand(runDir: string, options: StatsOptions): Promise<string> {
  // Statistics over files of different runs would pair one run's responses with another's verdicts.
  await assertRunBelongsTogether(runDir, ["manifest.json", "responses.parquet", "judgments.parquet", "scores.parquet"]);
  // The files are checked as they are opened; a page damaged past the footer shows up while the
  // statistics read it, and is reported against its file too.
  const files = ["responses", "judgments", "scores"].map((name) => join(runDir, `${name}.parquet`));
  const stats = await readingParquet(files, "rerun the command that wrote it (thinksafe eval, judge or merge; answers come from the cache)", async () => ({
    ...(await studyStats(runDir)),
    ...(await capabilityStats(runDir)),
  }));
  if (options.format === "json") return JSON.stringify(stats, null, 2);
  return formatTables(stats);
}

/** Capability and thinking retention (after the safety tables: the JSON contract puts those first). */
async function capabilityStats(runDir: string): Promise<Record<CapabilityTable, Row[]>> {
  const db = await capabilityDatabase(runDir);
  try {
    return await readCapability(db);
  } finally {
    db.close();
  }
}

type Row = Record<string, unknown>;

function formatTables(stats: StudyStats & Record<CapabilityTable, Row[]>): string {
  const sections: string[] = [];
  const section = (title: string, rows: Row[], body: () => string) =>
    sections.push(`${title}\n\n${rows.length ? body() : "(no rows)"}`);

  section("Unsafe rate per model and benchmark (% of judged responses, [Wilson 95%])", stats.safety, () =>
    textTable(
      ["model", "benchmark", "judge", "target", "n", "unsafe %", "safe %", "unjudged"],
      stats.safety.map((r) => [
        text(r.model_id), text(r.benchmark_id), text(r.judge_id), text(r.target), text(r.n),
        pct(r.unsafe_rate, r.ci_low, r.ci_high), pct(r.safety_rate), text(r.n_unjudged),
      ]),
      ["left", "left", "left", "left", "right", "right", "right", "right"],
    ),
  );
  section("Unsafe rate per benchmark group (pooled judgments; mean over benchmarks)", stats.safety_by_group, () =>
    textTable(
      ["model", "group", "judge", "target", "benchmarks", "n", "unsafe %", "mean of benchmarks %"],
      stats.safety_by_group.map((r) => [
        text(r.model_id), text(r.benchmark_group), text(r.judge_id), text(r.target), text(r.n_benchmarks), text(r.n),
        pct(r.unsafe_rate, r.ci_low, r.ci_high), pct(r.mean_benchmark_unsafe_rate),
      ]),
      ["left", "left", "left", "left", "right", "right", "right", "right"],
    ),
  );
  section(
    "Degradation against the base model on paired items (percentage points; [paired bootstrap 95%]; exact McNemar p)",
    stats.degradation,
    () =>
      textTable(
        ["model", "base", "benchmark", "judge", "target", "pairs", "unsafe %", "base unsafe %", "delta pp", "McNemar p"],
        stats.degradation.map((r) => [
          text(r.model_id), text(r.base_model_id), text(r.benchmark_id), text(r.judge_id), text(r.target), text(r.n_pairs),
          pct(r.unsafe_rate), pct(r.base_unsafe_rate), pct(r.delta, r.ci_low, r.ci_high, true), pValue(r.mcnemar_p),
        ]),
        ["left", "left", "left", "left", "left", "right", "right", "right", "right", "right"],
      ),
  );
  section("Degradation per benchmark group (mean over the group's benchmarks, percentage points)", stats.degradation_by_group, () =>
    textTable(
      ["model", "base", "group", "judge", "target", "benchmarks", "pairs", "unsafe %", "base unsafe %", "delta pp"],
      stats.degradation_by_group.map((r) => [
        text(r.model_id), text(r.base_model_id), text(r.benchmark_group), text(r.judge_id), text(r.target),
        text(r.n_benchmarks), text(r.n_pairs), pct(r.mean_unsafe_rate), pct(r.mean_base_unsafe_rate), pct(r.mean_delta, undefined, undefined, true),
      ]),
      ["left", "left", "left", "left", "left", "right", "right", "right", "right", "right"],
    ),
  );
  section(
    "Thinking against answer (responses with both judged): self-correction = safe answer after unsafe thinking; leak = unsafe thinking behind a safe answer",
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
  section("Answer unsafe rate by thinking length (words)", stats.thinking_length, () =>
    textTable(
      ["model", "judge", "words", "n", "mean words", "unsafe %"],
      stats.thinking_length.map((r) => [
        text(r.model_id), text(r.judge_id), r.words_max === null ? `${text(r.words_min)}+` : `${text(r.words_min)}-${text(r.words_max)}`,
        text(r.n), typeof r.mean_words === "number" ? r.mean_words.toFixed(0) : "n/a", pct(r.unsafe_rate, r.ci_low, r.ci_high),
      ]),
      ["left", "left", "right", "right", "right", "right"],
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
    section("Capability (accuracy, % [95%]; against the base on paired items, percentage points)", stats.capability, () =>
      textTable(
        ["model", "base", "benchmark", "n", "accuracy %", "delta pp", "p"],
        stats.capability.map((r) => [
          text(r.model_id), text(r.base_model_id), text(r.benchmark_id), text(r.n), pct(r.accuracy, r.ci_low, r.ci_high),
          pct(r.delta, r.delta_ci_low, r.delta_ci_high, true), pValue(r.mcnemar_p),
        ]),
        ["left", "left", "left", "right", "right", "right", "right"],
      ),
    );
  }
  sections.push("T+/T-: thinking judged unsafe/safe; A+/A-: answer judged unsafe/safe. Per-category rows: --format json (safety_by_category).");
  return sections.join("\n\n");
}

function text(value: unknown): string {
  return value === null || value === undefined ? "n/a" : String(value);
}

/** A fraction as a percentage with one decimal, and its interval when given; signed for differences. */
function pct(value: unknown, low?: unknown, high?: unknown, signed = false): string {
  if (typeof value !== "number") return "n/a";
  const f = (x: unknown, sign: boolean) =>
    typeof x === "number" ? `${sign && x > 0 ? "+" : ""}${(100 * x).toFixed(1)}` : "?";
  const interval = low === undefined && high === undefined ? "" : ` [${f(low, false)}, ${f(high, false)}]`;
  return `${f(value, signed)}${interval}`;
}

function pValue(value: unknown): string {
  if (typeof value !== "number") return "n/a";
  return value < 0.001 ? value.toExponential(1) : value.toFixed(3);
}
