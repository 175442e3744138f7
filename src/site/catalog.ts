// Every table the site publishes, with what a row is. The SQL explorer lists these, and a test
// checks that every page's data file is published (src/site/publish.ts) and each table has a download on the explorer page.
import { existsSync } from "node:fs";
import { AGREEMENT_TABLES } from "../agreement/index.ts";

export const PUBLISHED_TABLES: Readonly<Record<string, string>> = {
  ...AGREEMENT_TABLES,
  status:
    "the reproduction-status matrix: per site experiment (demo: SIMULATED; paper: the study, when its endpoints are configured), model and benchmark: answered, from the cache, partial or missing, with counts and why",
  responses:
    "one row per model, benchmark sample and repeat of the site's experiments (the demo's models are all served by thinksafe's simulator: is_simulated = true): thinking and answer kept apart, finish reason, tokens, latency, errors, cache key, thinking_words, and judge_context: what the judges are told from the benchmark's data (a STRUCT: judge_context.request is the request the image carries, e.g. FigStep's SafeBench question)",
  model_profiles:
    "each model of the site's experiments with its model profile (how it is prompted and its output read, src/models/profiles/): family, whether its thinking can be separated (markup, a named heuristic, or none: the whole output is the answer) and why not, whether its format is confirmed, what is not, and the sources",
  judgments:
    "the responses judged, one row per response, judge and target (the answer, and the thinking where there is one; the keyword judge judges answers only): verdict, unsafe, score, explanation (SIMULATED where the response or judge is)",
  judge_calibration:
    "each judge of the site's experiments measured against the human majority of the human-labelled sets (jailbreakbench: JailbreakBench's 300 responses; harmbench-multimodal: HarmBench's 220 multimodal generations), per experiment, judge version (model, rubric hash, parser version) and set: n, unresolved verdicts, agreement, FPR, FNR (percent) and Cohen's kappa with 95% intervals (SIMULATED where is_simulated = true: the demo's llm-judge and llama-guard are served by thinksafe's simulator)",
  safety:
    "per experiment, model, benchmark, judge and target: planned, failed, unjudged and judged responses (missing share, flagged above 5%), unsafe rate over items with its 95% interval (Wilson at the effective sample size), safety rate (is_simulated marks the demo)",
  degradation:
    "each reasoning model against its base on paired items: planned and dropped pairs, paired unsafe rates, delta with Tango's score 95% interval, discordant b and c, p-value (exact McNemar) and its Holm-adjusted value over the run's rows of one judge and target (is_simulated marks the demo)",
  safety_by_category: "unsafe rate per benchmark category, with missing data (is_simulated marks the demo)",
  safety_by_group:
    "unsafe rate per benchmark group (jailbreak robustness, safety awareness): pooled over items, and the mean over benchmarks with its MOVER 95% interval (is_simulated marks the demo)",
  degradation_by_group: "mean paired degradation over each benchmark group, each benchmark weighing the same, with its MOVER 95% interval (is_simulated marks the demo)",
  safety_corrected:
    "sensitivity analysis of judge error: each answer unsafe rate corrected for the judge's sensitivity and specificity on a human-labelled set (Rogan-Gladen, Lang-Reiczigel 95% interval), or the reason it cannot be (is_simulated marks the demo)",
  thinking_vs_answer:
    "per model, benchmark and judge: the 2x2 of thinking verdict (judges with a thinking rubric only; no human labels exist for thinking) against answer verdict, self-correction and leak rates (is_simulated marks the demo)",
  thinking_length:
    "per model, benchmark and judge: the answer's unsafe rate by thinking length in words, binned, and Spearman's rank correlation between length and unsafe answers, an association (is_simulated marks the demo)",
  scores:
    "the capability answers of the site's experiments scored by each suite's official rule (POPE, MMStar, MMMU; MM-Vet by an LLM grader; thinksafe's synthetic-shapes by POPE's rule), one row per response: prediction, how the rule decided (method: e.g. MMMU's random fallback), MM-Vet grader re-asks, correct, score 0-1, why unscored (experiment finetune-demo: SIMULATED, is_simulated = true)",
  capability:
    "per experiment, model and capability benchmark: planned, failed, unscored and scored answers, accuracy with 95% interval and, against the untuned model on paired items, delta with Tango's score 95% interval, p-value (exact McNemar) and its Holm-adjusted value over the run's capability deltas (is_simulated marks the fine-tuning demo)",
  thinking_retention:
    "per experiment, model and benchmark (and over all benchmarks): share of answered responses that keep a thought process, with Wilson 95% interval, beside the untuned model's (is_simulated marks the demos)",
  tis_records:
    "fine-tuning records of the TiS page, normalised by src/tis (question, images, thinking, answer, word counts, image source, harm category, refusal opening): dataset = 'tis-sample' (the real Think-in-Safety release's 8 transcribed records) or 'tis-demo-build' (the offline demo build, experiments/tis-demo.yaml: SIMULATED captions, teacher answers and verdicts, is_simulated = true); teacher, teacher_simulated and written_by say who wrote each record",
  tis_filtered:
    "every input item of the TiS demo build (SIMULATED), kept or dropped by the first filter it failed (drop_reason, drop_detail), with its caption, thinking, answer and the judge's verdict",
  tis_composition: "records per TiS data set, image source and harm category, with share, refusals and labels (is_simulated marks the demo build)",
  tis_lengths: "records per TiS data set, measure (thinking, answer) and length bin in words (is_simulated marks the demo build)",
  tis_length_summary: "thinking and answer length per TiS data set: n, min, median, mean, max words (is_simulated marks the demo build)",
  tis_funnel: "the TiS demo build's filter funnel (SIMULATED): per check in order, items in, dropped, out, and an example reason",
};

export interface CatalogEntry {
  table: string;
  description: string;
  /** The file in src/stats whose SELECT computes the table, when it is a statistic. */
  sql: string | null;
}

export function catalog(): CatalogEntry[] {
  return Object.entries(PUBLISHED_TABLES).map(([table, description]) => ({
    table,
    description,
    sql: existsSync(new URL(`../stats/${table}.sql`, import.meta.url)) ? `${table}.sql` : null,
  }));
}
