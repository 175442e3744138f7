// `npm run bench:stats`: the study's statistics over a synthetic run of 1,000,000 judgment rows.
// Writes responses.parquet and judgments.parquet to a temporary folder with DuckDB (not timed), then
// times studyStats on it (loading both files, every statistic in src/stats/study.ts, rows to JSON)
// --runs times, and prints the best and median time against the 3 s bar, with the best run's steps.
//   npm run bench:stats -- --rows 1000000 --runs 3 [--repeats 5]
// The synthetic run: four models (two reasoning models with thinking, each with its base model
// without), the six safety benchmarks, two judges; reasoning models are judged on the answer and
// the thinking (judge-b with a thinking rubric, judge-a without), base models on the answer; about
// 1% of verdicts unparsed, 0.5% of requests failed (no judgments). Thinking lengths vary
// from 1 to 1,200 words (the texts are written too, as eval writes them, though the statistics read
// only thinking_words). --repeats R (default 1, the study's setting) asks each sample R times, so
// the statistics group repeats into items. Verdicts come from an integer hash, so every run has the
// same data.
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sqlString } from "../duckdb/database.ts";
import { openStatisticsDatabase } from "../stats/sql-files.ts";
import { RESPONSES_SCHEMA } from "../eval/responses.ts";
import { JUDGMENTS_SCHEMA } from "../judges/judgments.ts";
import { studyStats, type StudyStats } from "../stats/study.ts";

/** The time the study over 1,000,000 judgment rows must stay under on a 2-core machine. */
const BAR_SECONDS = 3;

const { values } = parseArgs({ options: { rows: { type: "string", default: "1000000" }, runs: { type: "string", default: "3" }, repeats: { type: "string", default: "1" } } });
const judgmentRows = Number(values.rows);
if (!Number.isInteger(judgmentRows) || judgmentRows < 12) throw new Error(`--rows ${values.rows}: expected a whole number from 12`);
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: expected a whole number from 1`);
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats ${values.repeats}: expected a whole number from 1`);

// Per benchmark sample × repeat: 2 reasoning models × 2 judges × 2 targets + 2 bases × 2 judges × 1.
const ROWS_PER_ITEM = 12;
const items = Math.ceil(judgmentRows / ROWS_PER_ITEM);
const BENCHMARK_IDS = ["figstep", "mm-safetybench", "jailbreakv", "siuo", "vlguard", "mssbench"];
// About 0.5% of requests fail: they have a responses row with `error` set and no judgments.
const FAILED = "hash32(i.item * 4 + m.model_index) % 200 = 7";

const dir = await mkdtemp(join(tmpdir(), "thinksafe-bench-stats-"));
try {
  const generated = performance.now();
  const db = await openStatisticsDatabase();
  try {
    await db.connection.run(`
      CREATE TABLE models AS SELECT * FROM (VALUES
        (0, 'sim/reasoner-a', 'sim/base-a', true, 0.45),
        (1, 'sim/base-a', NULL, false, 0.25),
        (2, 'sim/reasoner-b', 'sim/base-b', true, 0.35),
        (3, 'sim/base-b', NULL, false, 0.30)) AS t(model_index, model_id, base_model_id, thinks, unsafe_p)`);
    await db.connection.run(`
      CREATE TABLE items AS
      SELECT i AS item, ${sqlList(BENCHMARK_IDS)}[1 + i % ${BENCHMARK_IDS.length}] AS benchmark_id,
        'item-' || (i // ${BENCHMARK_IDS.length * repeats}) AS sample_id, ((i // ${BENCHMARK_IDS.length}) % ${repeats})::INTEGER AS repeat_index,
        'category-' || (i % 10) AS category
      FROM range(${items}) AS t(i)`);
    const responseColumns = Object.keys(RESPONSES_SCHEMA);
    const responseValues: Record<string, string> = {
      experiment_id: "'bench'", experiment_hash: "'0'", model_id: "m.model_id", model: "m.model_id", profile: "'think-tags'",
      base_model_id: "m.base_model_id", endpoint: "'sim'", benchmark_id: "i.benchmark_id", subset: "'default'",
      sample_id: "i.sample_id", category: "i.category", repeat: "i.repeat_index", prompt: "'a prompt'",
      image_sha256: "[]",
      thinking: "CASE WHEN m.thinks THEN repeat('step ', (1 + hash32(i.item * 4 + m.model_index) % 1200)::INTEGER) END",
      thinking_words: "CASE WHEN m.thinks THEN 1 + hash32(i.item * 4 + m.model_index) % 1200 END",
      answer: "'an answer'", reasoning_source: "CASE WHEN m.thinks THEN 'reasoning' END", thinking_complete: "true",
      finish_reason: "'stop'", error: `CASE WHEN ${FAILED} THEN 'timeout' END`, error_kind: `CASE WHEN ${FAILED} THEN 'timeout' END`, latency_ms: "100", prompt_tokens: "10",
      completion_tokens: "100", is_simulated: "true", served_model: "m.model_id", cache_key: "'k'", judge_context: "NULL",
    };
    await db.connection.run(
      `COPY (SELECT ${responseColumns.map((c) => `${responseValues[c]}::${RESPONSES_SCHEMA[c as keyof typeof RESPONSES_SCHEMA]} AS "${c}"`).join(", ")}
        FROM items AS i CROSS JOIN models AS m ORDER BY i.item, m.model_index)
       TO ${sqlString(join(dir, "responses.parquet"))} (FORMAT parquet)`,
    );
    // A verdict draw u in 0..999 per row: unparsed below 10, unsafe below 10 + 1000·p. The two
    // judges and the answer and thinking of one response share part of the draw, so they correlate.
    const judgmentValues: Record<string, string> = {
      experiment_id: "'bench'", experiment_hash: "'0'", model_id: "model_id", base_model_id: "base_model_id",
      benchmark_id: "benchmark_id", subset: "'default'", sample_id: "sample_id", category: "category",
      repeat: "repeat_index", judge_id: "judge_id", judge_version: "'1'", target: "target",
      has_target_rubric: "(target = 'answer' OR judge_id = 'judge-b')",
      verdict: "CASE WHEN u < 10 THEN 'unparsed' WHEN u < 10 + 1000 * unsafe_p THEN 'unsafe' ELSE 'safe' END",
      unsafe: "CASE WHEN u < 10 THEN NULL ELSE u < 10 + 1000 * unsafe_p END", score: "NULL", explanation: "NULL",
      is_simulated: "true",
    };
    const judgmentColumns = Object.keys(JUDGMENTS_SCHEMA);
    await db.connection.run(
      `COPY (
        SELECT ${judgmentColumns.map((c) => `${judgmentValues[c]}::${JUDGMENTS_SCHEMA[c as keyof typeof JUDGMENTS_SCHEMA]} AS "${c}"`).join(", ")}
        FROM (
          SELECT i.*, m.*, j.*, t.*, CASE WHEN hash32(i.item * 131 + j.judge_index * 17 + t.target_index) % 4 = 0 THEN hash32(i.item * 131 + j.judge_index * 17 + t.target_index + 7) % 1000
            ELSE hash32(i.item * 8 + m.model_index) % 1000 END AS u
          FROM items AS i
          CROSS JOIN models AS m
          CROSS JOIN (VALUES (0, 'judge-a'), (1, 'judge-b')) AS j(judge_index, judge_id)
          CROSS JOIN (VALUES (0, 'answer'), (1, 'thinking')) AS t(target_index, target)
          WHERE (m.thinks OR t.target = 'answer') AND NOT (${FAILED})
          ORDER BY i.item, m.model_index, j.judge_index, t.target_index
          LIMIT ${judgmentRows}
        )
      ) TO ${sqlString(join(dir, "judgments.parquet"))} (FORMAT parquet)`,
    );
  } finally {
    db.close();
  }
  const generateSeconds = (performance.now() - generated) / 1000;

  const loadBefore = loadavg()[0]!;
  const timings: Array<{ seconds: number; steps: [string, number][]; stats: StudyStats }> = [];
  for (let run = 0; run < runs; run++) {
    const steps: [string, number][] = [];
    const started = performance.now();
    const stats = await studyStats(dir, { onStep: (step, ms) => steps.push([step, ms / 1000]) });
    timings.push({ seconds: (performance.now() - started) / 1000, steps, stats });
  }
  const sorted = [...timings].sort((a, b) => a.seconds - b.seconds);
  const best = sorted[0]!;
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)]!.seconds : (sorted[middle - 1]!.seconds + sorted[middle]!.seconds) / 2;
  const againstBar = (seconds: number) => `${seconds.toFixed(2)} s — ${(seconds / BAR_SECONDS).toFixed(2)}× the ${BAR_SECONDS} s bar`;
  const lines = [
    ["judgment rows", judgmentRows.toLocaleString("en-US")],
    ["response rows", `${(items * 4).toLocaleString("en-US")} (${repeats === 1 ? "one per sample" : `${repeats} repeats per sample`})`],
    ["generating the Parquet files", `${generateSeconds.toFixed(2)} s (not timed below)`],
    ["machine", `${availableParallelism()} cores, load average ${loadBefore.toFixed(1)} before the runs, ${loadavg()[0]!.toFixed(1)} after (other work slows the runs)`],
    [`load + every statistic, best of ${runs}`, againstBar(best.seconds)],
    ...(runs > 1 ? [[`median of ${runs}`, againstBar(median)], ["every run", timings.map((t) => `${t.seconds.toFixed(2)} s`).join(", ")]] : []),
    ["throughput (best)", `${Math.round(judgmentRows / best.seconds).toLocaleString("en-US")} judgment rows/s`],
    ["steps of the best run", "(the Parquet files are read in place: their reading counts in each statistic)"],
    ...best.steps.map(([step, seconds]) => {
      const rows = best.stats[step as keyof StudyStats]?.length;
      return [`  ${step}`, `${seconds.toFixed(2)} s${rows === undefined ? "" : `  (${rows} rows)`}`];
    }),
    ["  other (opening DuckDB, ...)", `${(best.seconds - best.steps.reduce((sum, [, s]) => sum + s, 0)).toFixed(2)} s`],
  ];
  const width = Math.max(...lines.map(([label]) => label!.length));
  process.stdout.write(`${lines.map(([label, value]) => `${label!.padEnd(width)}  ${value}`).join("\n")}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

function sqlList(values: string[]): string {
  return `[${values.map(sqlString).join(", ")}]`;
}
