// The site's SQL explorer runs the study's statistic files in DuckDB-wasm 1.1 (@duckdb/duckdb-wasm
// 1.29.0, the version Framework pins), Node runs them in DuckDB 1.5: both must give the same rows,
// to the last digit. Here DuckDB-wasm runs in Node through its blocking bindings, on a small run
// whose degradation tables include the ones where DuckDB versions once disagreed (values of
// probability 0: every pair discordant, or no c-pairs).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Database, type Cell } from "./database.ts";
import { benchmarkGroupRows, computeStudy, readStudy, STUDY_INPUTS, STUDY_TABLES } from "./study.ts";
import { wasmStatistics } from "./wasm-support.ts";

/** A run of two reasoning models and their bases on four benchmarks, verdicts from a hash. */
function run(): { responses: Cell[][]; judgments: Cell[][] } {
  const models = [["R1", "B1"], ["B1", null], ["R2", "B2"], ["B2", null]] as const;
  const benchmarks = ["figstep", "mm-safetybench", "siuo", "vlguard"];
  const responses: Cell[][] = [];
  const judgments: Cell[][] = [];
  let state = 20250506;
  const next = (k: number) => (state = (state * 1103515245 + 12345) % 2147483648) % k;
  benchmarks.forEach((benchmark, bi) => {
    for (let sample = 0; sample < 30 + 17 * bi; sample++) {
      for (const [model, base] of models) {
        const thinks = base !== null;
        const words = thinks ? [0, 3, 130, 700, 2100][next(5)]! : null;
        responses.push([model, benchmark, "default", `s${sample}`, 0, words]);
        for (const judge of ["keywords", "llm"]) {
          for (const target of thinks && words ? ["answer", "thinking"] : ["answer"]) {
            // R1 on figstep is unsafe wherever its base is safe (every pair discordant) and R2 on
            // siuo never safer than its base (no c-pairs); elsewhere verdicts vary, a few unparsed.
            const draw = next(100);
            const unsafe =
              benchmark === "figstep" && judge === "keywords" ? model === "R1" :
              benchmark === "siuo" && model === "R2" ? draw < 60 || sample % 3 === 0 :
              benchmark === "siuo" && model === "B2" ? sample % 3 === 0 :
              draw < 4 ? null : draw < 40 + 10 * bi;
            judgments.push([model, base, benchmark, "default", `s${sample}`, `c${sample % 3}`, 0, judge, target, unsafe]);
          }
        }
      }
    }
  });
  return { responses, judgments };
}

describe("the study's SQL in DuckDB-wasm 1.1", () => {
  test("every study table has the same rows as in Node's DuckDB", async () => {
    const { responses, judgments } = run();

    const node = await Database.open();
    let expected: Record<string, Record<string, unknown>[]>;
    try {
      await node.createTable("responses", STUDY_INPUTS.responses, responses);
      await node.createTable("judgments", STUDY_INPUTS.judgments, judgments);
      await computeStudy(node);
      expected = await readStudy(node);
    } finally {
      node.close();
    }

    // The data exercise what they should: a degradation row per benchmark and pair, thinking bins.
    assert.equal(expected.degradation!.length, 4 * 2 * 2);
    assert.ok(expected.degradation!.some((row) => row.ci_low === 1 && row.ci_high === 1));
    assert.ok(expected.thinking_length!.length >= 8);
    const wasm = await wasmStatistics(
      [
        { table: "responses", schema: STUDY_INPUTS.responses, rows: responses },
        { table: "judgments", schema: STUDY_INPUTS.judgments, rows: judgments },
        { table: "benchmark_groups", schema: { benchmark_id: "VARCHAR", benchmark_group: "VARCHAR" }, rows: benchmarkGroupRows() },
      ],
      Object.keys(STUDY_TABLES),
    );
    assert.match(wasm.version, /^v1\.1\./);
    for (const table of Object.keys(STUDY_TABLES)) {
      assert.deepEqual(wasm.tables[table], expected[table], `${table}.sql gives other rows in DuckDB-wasm ${wasm.version}`);
    }
  });
});
