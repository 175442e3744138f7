import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { Sample } from "../benchmarks/sample.ts";
import { parseExperiment } from "../experiments/load.ts";
import { startSimulator, type SimulatorConfig } from "../simulator/index.ts";
import { Database, type Cell } from "../duckdb/database.ts";
import { tempDir } from "../test-support.ts";
import { RESPONSES_SCHEMA } from "./responses.ts";
import { runExperiment } from "./run-experiment.ts";
import { isScored, mmVetScored, SCORES_SCHEMA, scoreLocally, scoreRun } from "./scores.ts";

function sample(benchmark: string, sampleId: string, reference: Sample["reference"]): Sample {
  return { benchmark, sampleId, subset: "s", category: null, group: "capability", prompt: `Question ${sampleId}?`, images: [], shouldRefuse: false, ...(reference && { reference }) };
}

async function rowsOf(file: string, query = "SELECT * FROM t") {
  const db = await Database.open();
  try {
    await db.connection.run(`CREATE VIEW t AS SELECT * FROM read_parquet('${file}')`);
    return await db.rows(query);
  } finally {
    db.close();
  }
}

describe("scoring capability answers", () => {
  test("each benchmark's official rule: POPE's first sentence, MMStar's answer prefix, MMMU's choice parser", () => {
    const yes = sample("pope", "1", { answer: "yes" });
    assert.deepEqual(scoreLocally(yes, "Yes, there is a dog."), { scorer: "pope", method: null, grader_reasks: null, prediction: "yes", correct: true, score: 1, explanation: null });
    // POPE reads only the first sentence: the "no" after the dot does not count.
    assert.deepEqual(scoreLocally(yes, "There is a dog. No doubt."), { scorer: "pope", method: null, grader_reasks: null, prediction: "yes", correct: true, score: 1, explanation: null });
    assert.equal(scoreLocally(yes, "I do not see one.")!.correct, false);
    assert.equal(scoreLocally(sample("synthetic-shapes", "img00-star", { answer: "no" }), "[simulated] No, there is no star in the image.")!.score, 1);
    const mmstar = sample("mmstar", "7", { answer: "B", options: { A: "red", B: "blue" } });
    assert.equal(scoreLocally(mmstar, "(B) blue")!.correct, true);
    assert.equal(scoreLocally(mmstar, "The colour is B")!.correct, false, "MMStar only reads the start of the answer");
    const mmmu = sample("mmmu", "validation_Art_1", { answer: "C", options: { A: "1850", B: "1900", C: "1950", D: "2000" } });
    assert.deepEqual(scoreLocally(mmmu, "After weighing the styles, the answer is (C)."), { scorer: "mmmu", method: "bracket", grader_reasks: null, prediction: "C", correct: true, score: 1, explanation: null });
    assert.equal(scoreLocally(mmmu, "I think it is (A).")!.score, 0);
    const fallback = scoreLocally(mmmu, "no idea")!;
    assert.equal(fallback.method, "random", "upstream's random fallback is named, so it can be counted");
    assert.deepEqual(scoreLocally(mmmu, "no idea"), fallback, "and seeded by the sample id");
    const open = sample("mmmu", "validation_Math_15", { answer: "['24/7', '3.429']" });
    assert.deepEqual(scoreLocally(open, "The answer is 3.429."), { scorer: "mmmu", method: "open", grader_reasks: null, prediction: "[3.43]", correct: true, score: 1, explanation: null });
    assert.equal(scoreLocally(sample("mm-vet", "v1_0", { answer: "2" }), "two"), null, "MM-Vet needs a grader");
    assert.deepEqual(["pope", "mmmu", "mmstar", "mm-vet", "synthetic-shapes", "figstep", "siuo", "unknown"].map(isScored), [true, true, true, true, true, false, false, false]);
  });

  test("a run scores its capability answers into scores.parquet and judges only the safety ones", async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, "exp.yaml");
    await writeFile(
      file,
      `id: scores-test
models:
  - {id: r1, model: sim/r1-onevision-7b, simulated: true}
benchmarks:
  - {id: synthetic-shapes, limit: 12}
  - {id: figstep, subset: tiny, limit: 2}
judges:
  - {id: refusal-keywords}
timeout_s: 10
`,
    );
    const experiment = parseExperiment(await readFile(file, "utf8"), file);
    const out = join(dir, "run");
    await runExperiment(experiment, { outDir: out, cacheDir: join(dir, "cache"), calibrate: false, log: () => {} });
    const scores = await rowsOf(join(out, "scores.parquet"), "SELECT t.*, r.answer FROM t JOIN read_parquet('" + join(out, "responses.parquet") + "') AS r USING (model_id, benchmark_id, subset, sample_id, repeat) ORDER BY sample_id");
    assert.equal(scores.length, 12, "one row per capability response");
    assert.deepEqual(Object.keys(scores[0]!).slice(0, -1), Object.keys(SCORES_SCHEMA));
    for (const row of scores) {
      // Independently: the simulator's sentence says yes or no, and the sample id names the shape;
      // even items of the list ask about a shape that is there.
      const said = /^\[simulated\] (Yes|No),/.exec(String(row.answer))?.[1];
      assert.ok(said, String(row.answer));
      assert.equal(row.prediction, said.toLowerCase());
      assert.equal(row.score, row.correct ? 1 : 0);
      assert.equal(row.is_simulated, true);
      assert.equal(row.scorer, "pope");
    }
    const judged = await rowsOf(join(out, "judgments.parquet"), "SELECT DISTINCT benchmark_id FROM t");
    assert.deepEqual(judged.map((r) => r.benchmark_id), ["figstep"], "capability answers are not judged for safety");
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as { outputs: Record<string, { rows: number }> };
    assert.equal(manifest.outputs["scores.parquet"]!.rows, 12);

    // Without capability answers there is no scores.parquet (a 0-row file breaks readers such as
    // `datasets`), and the earlier run's is not left behind to be mistaken for this one's.
    const safetyOnly = parseExperiment((await readFile(file, "utf8")).replace("  - {id: synthetic-shapes, limit: 12}\n", ""), file);
    // Another version of the experiment in the same folder: it replaces the run (force).
    await runExperiment(safetyOnly, { outDir: out, cacheDir: join(dir, "cache"), calibrate: false, force: true, log: () => {} });
    assert.equal(existsSync(join(out, "scores.parquet")), false);
    const after = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as { outputs: Record<string, unknown> };
    assert.equal(after.outputs["scores.parquet"], undefined);
    assert.ok(existsSync(join(out, "judgments.parquet")), "the safety answers are judged as before");
  });

  test("the same answers' correctness follows the references: shapes shown are yes, others no", async (t) => {
    // With accuracy 1 every answer is right, so scores are 1 exactly where the reference agrees.
    const dir = await tempDir(t);
    const config = join(dir, "sim.yaml");
    await writeFile(config, "models:\n  - {name: sim/sharp, reasoning: none, refusal_rate: 0, accuracy: 1}\n");
    const file = join(dir, "exp.yaml");
    await writeFile(file, "id: sharp\nmodels:\n  - {id: sharp, model: sim/sharp, simulated: true}\nbenchmarks:\n  - {id: synthetic-shapes}\nsimulator: {config: sim.yaml}\n");
    const { loadExperiment } = await import("../experiments/load.ts");
    const out = join(dir, "run");
    await runExperiment(await loadExperiment(file), { outDir: out, cacheDir: join(dir, "cache"), log: () => {} });
    const [row] = await rowsOf(join(out, "scores.parquet"), "SELECT count(*)::INTEGER AS n, sum(score)::DOUBLE AS right, count(*) FILTER (WHERE prediction = 'yes')::INTEGER AS yes FROM t");
    assert.deepEqual(row, { n: 80, right: 80, yes: 40 });
  });

  test("MM-Vet: graded by the experiment's grader through the cache, or unscored with why, never 0", async (t) => {
    const dir = await tempDir(t);
    const samples = [0, 1, 2].map((i) => sample("mm-vet", `v1_${i}`, { answer: i === 0 ? "2<AND>blue" : "cat" }));
    const responses = samples.map((s, i) => {
      const values: Partial<Record<keyof typeof RESPONSES_SCHEMA, Cell>> = {
        experiment_id: "g", experiment_hash: "h", model_id: "m", benchmark_id: "mm-vet", subset: "s", sample_id: s.sampleId, repeat: 0,
        answer: i === 2 ? null : `It is ${i}.`, error: i === 2 ? "timeout (after 6 attempts)" : null, is_simulated: true,
      };
      return Object.keys(RESPONSES_SCHEMA).map((c) => values[c as keyof typeof RESPONSES_SCHEMA] ?? null);
    });
    const db = await Database.open();
    try {
      await db.createTable("responses", RESPONSES_SCHEMA, responses);
      await db.writeParquet("SELECT * FROM responses", join(dir, "responses.parquet"));
    } finally {
      db.close();
    }
    const ungraded = parseExperiment("id: g\nmodels:\n  - {id: m, model: x, base_url: 'http://127.0.0.1:9/v1'}\nbenchmarks:\n  - {id: mm-vet}\n", "g.yaml");
    await scoreRun(dir, ungraded, [samples], { cacheDir: join(dir, "cache") });
    const unscored = await rowsOf(join(dir, "scores.parquet"), "SELECT sample_id, score, correct, explanation FROM t ORDER BY sample_id");
    assert.equal(unscored.length, 2, "the failed request has nothing to score");
    assert.ok(unscored.every((r) => r.score === null && r.correct === null && /not graded: g\.yaml names no grader/.test(String(r.explanation))));

    const sim = await startSimulator({ models: [{ name: "sim/grader", reasoning: "none", role: "grader", refusal_rate: 0 }] } as SimulatorConfig, { port: 0 });
    t.after(() => sim.close());
    const graded = parseExperiment("id: g\nmodels:\n  - {id: m, model: x, base_url: 'http://127.0.0.1:9/v1'}\nbenchmarks:\n  - {id: mm-vet}\ngrader: {model: sim/grader, simulated: true}\n", "g.yaml");
    await scoreRun(dir, graded, [samples], { cacheDir: join(dir, "cache"), simulatorUrl: sim.url });
    const scored = await rowsOf(join(dir, "scores.parquet"), "SELECT sample_id, score, correct, scorer, method, grader_reasks FROM t ORDER BY sample_id");
    assert.equal(scored.length, 2);
    for (const row of scored) {
      assert.ok(typeof row.score === "number" && row.score >= 0 && row.score <= 1, JSON.stringify(row));
      assert.equal(row.correct, null, "a grade is not right or wrong");
      assert.match(String(row.scorer), /^sim\/grader\/mm-vet-grader@[0-9a-f]{12}$/);
      assert.deepEqual([row.method, row.grader_reasks], ["first-token", 0]);
    }
    const asked = sim.stats().requests;
    await scoreRun(dir, graded, [samples], { cacheDir: join(dir, "cache"), simulatorUrl: sim.url });
    assert.equal(sim.stats().requests, asked, "a rescore asks the grader nothing again");
  });
});

describe("MM-Vet grades as scores rows", () => {
  const base = { sampleId: "v1_0", grader: "g/mm-vet-grader@abc" };
  test("upstream's score, its 0.0 after five unreadable replies (counted, with the replies), and no row with a NaN or a failed grade's 0", () => {
    assert.deepEqual(mmVetScored({ ...base, reasks: 1, outcome: "graded", score: 0.5, reply: "0.5" }), {
      scorer: "g/mm-vet-grader@abc", method: "first-token", grader_reasks: 1, prediction: null, correct: null, score: 0.5, explanation: null,
    });
    const zero = mmVetScored({ ...base, reasks: 4, outcome: "zero", score: 0, replies: ["0,5", "a", "b", "c", "d"] });
    assert.deepEqual([zero.method, zero.grader_reasks, zero.score], ["zero-after-reasks", 4, 0]);
    assert.match(zero.explanation!, /5 replies \["0,5","a","b","c","d"\]/);
    const nan = mmVetScored({ ...base, reasks: 0, outcome: "graded", score: NaN, reply: "nan" });
    assert.deepEqual([nan.method, nan.score], ["first-token", null]);
    assert.match(nan.explanation!, /NaN/);
    const failed = mmVetScored({ ...base, reasks: 2, outcome: "failed", error: "timeout: 60 s" });
    assert.deepEqual([failed.method, failed.grader_reasks, failed.score, failed.explanation], [null, 2, null, "grading failed: timeout: 60 s"]);
  });
});
