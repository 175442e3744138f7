// capability.sql and thinking_retention.sql run in the site's SQL explorer on DuckDB-wasm 1.1
// (@duckdb/duckdb-wasm 1.29.0, the version Framework pins) and in Node on DuckDB 1.5: both must give
// the same rows. DuckDB-wasm runs here in Node through its blocking bindings, on tables that include
// the cases that need care: every pair one way, no pair the other way, graded scores.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CAPABILITY_INPUTS, CAPABILITY_TABLES, computeCapability, readCapability } from "./capability.ts";
import type { Cell } from "../duckdb/database.ts";
import { openStatisticsDatabase } from "./sql-files.ts";
import { wasmStatistics } from "./wasm-support.ts";

/**
 * Untuned U with checkpoints: A right exactly where U is wrong (on pope every pair discordant; on
 * mmstar every pair in A's favour), B never better (b = 0), C mixed with unscored rows; G graded.
 */
function tables(): { scores: Cell[][]; responses: Cell[][] } {
  const scores: Cell[][] = [];
  const responses: Cell[][] = [];
  let state = 7;
  const next = (k: number) => (state = (state * 1103515245 + 12345) % 2147483648) % k;
  for (let i = 0; i < 60; i++) {
    const sample = `s${String(i).padStart(2, "0")}`;
    const u = i % 3 === 0 ? 1 : 0;
    const rows: Array<[string, string | null, string, number | null, boolean]> = [
      ["U", null, "pope", u, false],
      ["A", "U", "pope", 1 - u, false],
      ["B", "U", "pope", u && next(4) ? 1 : 0, false],
      ["C", "U", "pope", next(10) < 2 ? null : next(2), false],
      ["U", null, "mmstar", 0, false],
      ["A", "U", "mmstar", 1, false],
      ["U", null, "mm-vet", next(11) / 10, true],
      ["G", "U", "mm-vet", next(11) / 10, true],
    ];
    for (const [model, base, benchmark, score, graded] of rows) {
      scores.push([model, base, benchmark, "s", sample, 0, graded || score === null ? null : score === 1, score]);
      const words = [null, 0, 5, 80][next(4)]!;
      responses.push([model, base, benchmark, "s", sample, 0, next(20) === 0 ? "timeout" : null, words]);
    }
  }
  return { scores, responses };
}

describe("capability.sql and thinking_retention.sql in DuckDB-wasm 1.1", () => {
  test("give the same rows as in Node's DuckDB", async () => {
    const { scores, responses } = tables();
    const node = await openStatisticsDatabase();
    let expected: Record<string, Record<string, unknown>[]>;
    try {
      await node.createTable("scores", CAPABILITY_INPUTS.scores, scores);
      await node.createTable("responses", CAPABILITY_INPUTS.responses, responses);
      await computeCapability(node);
      expected = await readCapability(node);
    } finally {
      node.close();
    }
    // The data exercise what they should: all pairs discordant, all in A's favour (up to 1), b = 0,
    // graded scores (the design-effect path), failed requests.
    const row = (model: string, benchmark = "pope") => expected.capability!.find((r) => r.model_id === model && r.benchmark_id === benchmark)!;
    assert.equal(row("A").delta, 1 / 3);
    assert.deepEqual([row("A", "mmstar").delta, row("A", "mmstar").delta_ci_high, row("A", "mmstar").test], [1, 1, "mcnemar_exact"]);
    assert.ok((row("B").delta_ci_high as number) < 0.05 && (row("B").delta as number) < 0 && row("B").b === 0);
    assert.deepEqual([row("G", "mm-vet").is_graded, row("G", "mm-vet").test], [true, "score_design_effect"]);
    assert.ok((row("C").n_failed as number) > 0);

    const wasm = await wasmStatistics(
      [
        { table: "scores", schema: CAPABILITY_INPUTS.scores, rows: scores },
        { table: "responses", schema: CAPABILITY_INPUTS.responses, rows: responses },
      ],
      Object.keys(CAPABILITY_TABLES),
    );
    assert.match(wasm.version, /^v1\.1\./);
    for (const table of Object.keys(CAPABILITY_TABLES)) {
      assert.deepEqual(wasm.tables[table], expected[table], `${table}.sql gives other rows in DuckDB-wasm ${wasm.version}`);
    }
  });
});
