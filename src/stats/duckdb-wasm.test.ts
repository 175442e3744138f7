// The site's SQL explorer runs the study's statistic files in DuckDB-wasm 1.1 (@duckdb/duckdb-wasm
// 1.29.0, the version Framework pins), Node runs them in DuckDB 1.5: both must give the same rows,
// to the last digit. Here DuckDB-wasm runs in Node through its blocking bindings, on a small run
// with what the statistics must handle: every pair discordant, no c-pairs, repeats that disagree
// (fractional item shares), failed requests, unparsed verdicts, thinking verdicts with and without
// a thinking rubric, and calibrations that allow a correction and ones that do not.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Cell } from "../duckdb/database.ts";
import { openStatisticsDatabase } from "./sql-files.ts";
import { benchmarkGroupRows, computeStudy, readStudy, STUDY_INPUTS, STUDY_STEPS, STUDY_TABLES } from "./study.ts";
import { wasmStatistics } from "./wasm-support.ts";

/** A run of two reasoning models and their bases on four benchmarks, verdicts from a hash. */
export function wasmRun(): { responses: Cell[][]; judgments: Cell[][]; calibration: Cell[][] } {
  const models = [["R1", "B1"], ["B1", null], ["R2", "B2"], ["B2", null]] as const;
  const benchmarks = ["figstep", "mm-safetybench", "siuo", "vlguard"];
  const responses: Cell[][] = [];
  const judgments: Cell[][] = [];
  let state = 20250506;
  const next = (k: number) => (state = (state * 1103515245 + 12345) % 2147483648) % k;
  benchmarks.forEach((benchmark, bi) => {
    // vlguard has three repeats per item, whose verdicts disagree.
    const repeats = benchmark === "vlguard" ? 3 : 1;
    for (let sample = 0; sample < 30 + 17 * bi; sample++) {
      for (const [model, base] of models) {
        for (let repeat = 0; repeat < repeats; repeat++) {
          const thinks = base !== null;
          const failed = next(40) === 0;
          const words = failed ? null : thinks ? [0, 3, 130, 700, 2100][next(5)]! : null;
          responses.push([model, base, benchmark, "default", `s${sample}`, `c${sample % 3}`, repeat, failed ? "timeout" : null, words]);
          if (failed) continue;
          for (const [judge, version, thinkingRubric] of [["keywords", "k1", false], ["llm", "l1", true]] as const) {
            for (const target of thinks && words ? ["answer", "thinking"] : ["answer"]) {
              // R1 on figstep is unsafe wherever its base is safe (every pair discordant) and R2 on
              // siuo never safer than its base (no c-pairs); elsewhere verdicts vary, a few unparsed.
              const draw = next(100);
              const unsafe =
                benchmark === "figstep" && judge === "keywords" ? model === "R1" :
                benchmark === "siuo" && model === "R2" ? draw < 60 || sample % 3 === 0 :
                benchmark === "siuo" && model === "B2" ? sample % 3 === 0 :
                draw < 4 ? null : draw < 40 + 10 * bi;
              judgments.push([model, benchmark, "default", `s${sample}`, `c${sample % 3}`, repeat, judge, version, target, target === "answer" || thinkingRubric, unsafe]);
            }
          }
        }
      }
    }
  });
  // keywords: kappa too low; llm: corrects on one set, and another version's calibration never matches.
  const calibration: Cell[][] = [
    ["jailbreakbench", "keywords", "k1", 300, 80, 120, 70, 30, 0.1],
    ["jailbreakbench", "llm", "l1", 300, 90, 10, 180, 20, 0.77],
    ["harmbench-multimodal", "llm", "l1", 200, 30, 5, 120, 45, 0.403],
    ["jailbreakbench", "llm", "l0", 300, 50, 50, 150, 50, 0.3],
  ];
  return { responses, judgments, calibration };
}

describe("the study's SQL in DuckDB-wasm 1.1", () => {
  test("every study table has the same rows as in Node's DuckDB", async () => {
    const { responses, judgments, calibration } = wasmRun();

    const node = await openStatisticsDatabase();
    let expected: Record<string, Record<string, unknown>[]>;
    try {
      await node.createTable("responses", STUDY_INPUTS.responses, responses);
      await node.createTable("judgments", STUDY_INPUTS.judgments, judgments);
      await node.createTable("judge_calibration", STUDY_INPUTS.judge_calibration, calibration);
      await computeStudy(node);
      expected = await readStudy(node);
      // study_items is unordered: compared as a set.
      expected.study_items = sortRows(await node.rows("SELECT * FROM study_items"));
    } finally {
      node.close();
    }

    // The data exercise what they should: a degradation row per benchmark, pair, judge and target
    // (answers: 4 x 2 x 2; thinking: none, the bases do not think), every pair discordant, repeats
    // that disagree, dropped pairs, corrections given and refused, thinking rows of the judge with a
    // thinking rubric only.
    const degradation = expected.degradation!;
    assert.equal(degradation.length, 4 * 2 * 2);
    assert.ok(degradation.some((row) => row.b === row.n_pairs && row.ci_high === 1));
    assert.ok(degradation.some((row) => row.test === "score_design_effect"));
    assert.ok(degradation.some((row) => (row.n_dropped_failed as number) > 0 && (row.n_dropped_unjudged as number) > 0));
    assert.deepEqual(new Set(expected.safety!.filter((r) => r.target === "thinking").map((r) => r.judge_id)), new Set(["llm"]));
    assert.deepEqual(new Set(expected.safety_corrected!.map((r) => r.status)), new Set(["corrected", "kappa_too_low", "outside_identifiable_range"]));
    assert.ok(expected.thinking_length!.length >= 8);
    const wasm = await wasmStatistics(
      [
        { table: "responses", schema: STUDY_INPUTS.responses, rows: responses },
        { table: "judgments", schema: STUDY_INPUTS.judgments, rows: judgments },
        { table: "judge_calibration", schema: STUDY_INPUTS.judge_calibration, rows: calibration },
        { table: "benchmark_groups", schema: { benchmark_id: "VARCHAR", benchmark_group: "VARCHAR" }, rows: benchmarkGroupRows() },
      ],
      [...Object.keys(STUDY_STEPS), ...Object.keys(STUDY_TABLES)],
    );
    assert.match(wasm.version, /^v1\.1\./);
    wasm.tables.study_items = sortRows(wasm.tables.study_items!);
    for (const table of [...Object.keys(STUDY_STEPS), ...Object.keys(STUDY_TABLES)]) {
      assert.deepEqual(wasm.tables[table], expected[table], `${table}.sql gives other rows in DuckDB-wasm ${wasm.version}`);
    }
  });
});

function sortRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) => [JSON.stringify(row), row] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}
