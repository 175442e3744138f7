import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { SpecError } from "../errors.ts";
import { parseExperiment } from "../experiments/load.ts";
import { refusalKeywords } from "../judges/index.ts";
import { main } from "../cli/main.ts";
import { Database } from "../stats/database.ts";
import { rejectsWith, tempDir } from "../test-support.ts";
import { judgeRun } from "./judge-run.ts";
import { runExperiment } from "./run-experiment.ts";

const yaml = (judges: string) => `id: judged
models:
  - {id: reasoner, model: sim/r1-onevision-7b, simulated: true, base: base}
  - {id: base, model: sim/qwen2.5-vl-7b-instruct, simulated: true}
benchmarks: [{id: figstep, subset: tiny, limit: 6}]
repeats: 2
judges: ${judges}
`;

async function rows(file: string, sql: string) {
  const db = await Database.open();
  try {
    return await db.rows(sql.replaceAll("$file", `'${file}'`));
  } finally {
    db.close();
  }
}

test("eval judges every answer, and every thinking that exists, into judgments.parquet", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "judged.yaml");
  await writeFile(file, yaml("[{id: refusal-keywords}]"));
  const experiment = parseExperiment(yaml("[{id: refusal-keywords}]"), file);
  await runExperiment(experiment, { outDir: join(dir, "run"), cacheDir: join(dir, "cache"), log: () => {} });
  const judgments = join(dir, "run", "judgments.parquet");
  const counts = await rows(judgments, "SELECT model_id, target, count(*)::INTEGER AS n FROM $file GROUP BY ALL ORDER BY ALL");
  // 6 samples × 2 repeats = 12 responses per model; only the reasoning model thinks.
  assert.deepEqual(counts, [
    { model_id: "base", target: "answer", n: 12 },
    { model_id: "reasoner", target: "answer", n: 12 },
    { model_id: "reasoner", target: "thinking", n: 12 },
  ]);
  const columns = (await rows(judgments, "DESCRIBE SELECT * FROM $file")).map((c) => c.column_name);
  for (const column of ["experiment_id", "model_id", "benchmark_id", "sample_id", "repeat", "judge_id", "target", "unsafe", "score", "explanation"]) {
    assert.ok(columns.includes(column), column);
  }
  // The verdicts are the keyword judge's on the very texts of responses.parquet.
  const joined = await rows(
    judgments,
    `SELECT j.unsafe, j.target, r.answer, r.thinking FROM $file AS j JOIN '${join(dir, "run", "responses.parquet")}' AS r USING (model_id, benchmark_id, subset, sample_id, repeat)`,
  );
  for (const row of joined) {
    const text = String(row.target === "answer" ? row.answer : row.thinking);
    assert.equal(row.unsafe, refusalKeywords.judge(text).isJailbroken);
  }
  assert.ok(joined.some((r) => r.unsafe === true) && joined.some((r) => r.unsafe === false), "both verdicts occur");
  // Answers are judged with an answer rubric; the keyword matcher has no thinking rubric, so the statistics skip its thinking verdicts.
  const rubrics = await rows(judgments, "SELECT DISTINCT target, has_target_rubric FROM $file ORDER BY ALL");
  assert.deepEqual(rubrics.filter((r) => r.target === "answer"), [{ target: "answer", has_target_rubric: true }]);
  assert.ok(rubrics.every((r) => r.target === "answer" || r.has_target_rubric === false));

  // `thinksafe judge RUN_DIR` finds the experiment through the manifest and writes the same rows.
  const before = await rows(judgments, "SELECT * FROM $file");
  const errors: string[] = [];
  assert.equal(await main(["node", "thinksafe", "judge", join(dir, "run")], { out: () => {}, err: (e) => errors.push(e) }), 0, errors.join("\n"));
  assert.deepEqual(await rows(judgments, "SELECT * FROM $file"), before);
});

test("an unknown judge is named with the known ones", async (t) => {
  const dir = await tempDir(t);
  const experiment = parseExperiment(yaml("[{id: refusal-keywords}, {id: gpt-judge}]"), join(dir, "x.yaml"));
  await runExperiment({ ...experiment, spec: { ...experiment.spec, judges: [] } }, { outDir: join(dir, "run"), cacheDir: join(dir, "cache"), log: () => {} });
  await rejectsWith(judgeRun(join(dir, "run"), experiment, { cacheDir: join(dir, "cache") }), SpecError, 'judges[1].id: unknown judge "gpt-judge"', "known judges: refusal-keywords, llm-judge, llama-guard");
});

test("endpoint judges (LLM judge, Llama Guard) run through the simulator on answers and thinking", async (t) => {
  const dir = await tempDir(t);
  const judges = "[{id: llm-judge, model: sim/judge, simulated: true}, {id: llama-guard, model: sim/llama-guard-3, simulated: true}]";
  const experiment = parseExperiment(yaml(judges), join(dir, "x.yaml"));
  await runExperiment(experiment, { outDir: join(dir, "run"), cacheDir: join(dir, "cache"), log: () => {} });
  const judgments = join(dir, "run", "judgments.parquet");
  const summary = await rows(judgments, "SELECT judge_id, target, count(*)::INTEGER AS n, count(unsafe)::INTEGER AS decided FROM $file GROUP BY ALL ORDER BY ALL");
  assert.deepEqual(summary, [
    { judge_id: "llama-guard", target: "answer", n: 24, decided: 24 },
    { judge_id: "llama-guard", target: "thinking", n: 12, decided: 12 },
    { judge_id: "llm-judge", target: "answer", n: 24, decided: 24 },
    { judge_id: "llm-judge", target: "thinking", n: 12, decided: 12 },
  ]);
  // The simulated judges call a text safe when it refuses (a refusal phrase) or declines.
  const joined = await rows(
    judgments,
    `SELECT j.judge_id, j.unsafe, j.target, r.answer, r.thinking FROM $file AS j JOIN '${join(dir, "run", "responses.parquet")}' AS r USING (model_id, benchmark_id, subset, sample_id, repeat)`,
  );
  for (const row of joined) {
    const text = String(row.target === "answer" ? row.answer : row.thinking);
    assert.equal(row.unsafe, refusalKeywords.judge(text).isJailbroken && !/decline/i.test(text), `${row.judge_id}: ${text.slice(0, 80)}`);
  }
  // Judging again gives the same rows (the judges' own tests show their replies come from the cache).
  const before = await rows(judgments, "SELECT * FROM $file");
  await judgeRun(join(dir, "run"), experiment, { cacheDir: join(dir, "cache") });
  assert.deepEqual(await rows(judgments, "SELECT * FROM $file"), before);
});
