// Tests of capability.sql and thinking_retention.sql on hand-made tables. Every expected number is
// computed independently of the SQL: Wilson bounds from the formula, the exact McNemar p as a ratio
// of BigInts, Tango's interval and the design-effect analysis by src/stats/reference-values.py.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { RESPONSES_SCHEMA } from "../eval/responses.ts";
import { SCORES_SCHEMA } from "../eval/scores.ts";
import { tempDir } from "../test-support.ts";
import { CAPABILITY_INPUTS, capabilityDatabase, computeCapability, readCapability } from "./capability.ts";
import { Database, type Cell } from "../duckdb/database.ts";
import { openStatisticsDatabase } from "./sql-files.ts";
import type { PAdjustMethod } from "./p-adjust.ts";

const Z = 1.959963984540054;

function wilson(k: number, n: number): [number, number] {
  const p = k / n;
  const centre = p + (Z * Z) / (2 * n);
  const half = Z * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n));
  return [Math.max(0, (centre - half) / (1 + (Z * Z) / n)), Math.min(1, (centre + half) / (1 + (Z * Z) / n))];
}

function exactSignTest(b: number, c: number): number {
  const m = b + c;
  if (m === 0) return 1;
  let term = 1n;
  let sum = 0n;
  for (let i = 0; i <= Math.min(b, c); i++) {
    sum += term;
    term = (term * BigInt(m - i)) / BigInt(i + 1);
  }
  return Math.min(1, Number((2n * sum * 10n ** 30n) / 2n ** BigInt(m)) / 1e30);
}

function close(actual: unknown, expected: number, tol = 1e-9): void {
  assert.equal(typeof actual, "number", `expected a number, got ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) <= tol, `expected ${expected} ± ${tol}, got ${String(actual)}`);
}

interface S {
  model: string;
  base?: string | null;
  benchmark?: string;
  subset?: string;
  sample: string;
  repeat?: number;
  /** Right/wrong (score 1/0), a grade (correct null), or unscored (null). */
  score: number | null;
  graded?: boolean;
}

function scoreRow(s: S): Cell[] {
  const values: Record<keyof typeof CAPABILITY_INPUTS.scores, Cell> = {
    model_id: s.model,
    base_model_id: s.base ?? null,
    benchmark_id: s.benchmark ?? "pope",
    subset: s.subset ?? "random",
    sample_id: s.sample,
    repeat: s.repeat ?? 0,
    correct: s.graded || s.score === null ? null : s.score === 1,
    score: s.score,
  };
  return Object.keys(CAPABILITY_INPUTS.scores).map((k) => values[k as keyof typeof values]);
}

interface R {
  model: string;
  base?: string | null;
  benchmark?: string;
  sample: string;
  error?: string | null;
  words: number | null;
}

function responseRow(r: R): Cell[] {
  const values: Record<keyof typeof CAPABILITY_INPUTS.responses, Cell> = {
    model_id: r.model,
    base_model_id: r.base ?? null,
    benchmark_id: r.benchmark ?? "figstep",
    subset: "s",
    sample_id: r.sample,
    repeat: 0,
    error: r.error ?? null,
    thinking_words: r.words,
  };
  return Object.keys(CAPABILITY_INPUTS.responses).map((k) => values[k as keyof typeof values]);
}

async function compute(scores: S[], responses: R[] = [], pAdjust: PAdjustMethod = "holm") {
  const db = await openStatisticsDatabase();
  try {
    await db.createTable("scores", CAPABILITY_INPUTS.scores, scores.map(scoreRow));
    await db.createTable("responses", CAPABILITY_INPUTS.responses, responses.map(responseRow));
    await computeCapability(db, { pAdjust });
    return await readCapability(db);
  } finally {
    db.close();
  }
}

/** Pairs of the fine-tuned model F (base U) with [F's score, U's score]. */
function paired(scores: [number, number][], extra: Partial<S> = {}): S[] {
  return scores.flatMap(([f, u], i) => {
    const sample = `q${String(i).padStart(3, "0")}`;
    return [
      { model: "F", base: "U", sample, score: f, ...extra },
      { model: "U", sample, score: u, ...extra },
    ];
  });
}

const counts = (both: number, f: number, u: number, neither: number): [number, number][] => [
  ...Array<[number, number]>(both).fill([1, 1]),
  ...Array<[number, number]>(f).fill([1, 0]),
  ...Array<[number, number]>(u).fill([0, 1]),
  ...Array<[number, number]>(neither).fill([0, 0]),
];

describe("capability.sql", () => {
  // 40 pairs: both right 20, only F right (b) 12, only U right (c) 3, neither 5.
  const kinds = counts(20, 12, 3, 5);

  test("accuracy with Wilson interval; planned, failed and unscored answers; paired delta with Tango's interval and the exact McNemar p", async () => {
    const rows: S[] = [
      ...paired(kinds),
      { model: "F", base: "U", sample: "only-f", score: 1 },
      { model: "F", base: "U", sample: "unscored", score: null },
      { model: "U", sample: "unscored", score: 0 },
    ];
    // Two of F's requests failed (no scores row); one of U's.
    const responses: R[] = [
      { model: "F", base: "U", benchmark: "pope", sample: "f1", words: null, error: "timeout" },
      { model: "F", base: "U", benchmark: "pope", sample: "f2", words: null, error: "timeout" },
      { model: "U", benchmark: "pope", sample: "f1", words: null, error: "timeout" },
    ];
    const { capability } = await compute(rows, responses);
    assert.deepEqual(capability.map((r) => r.model_id), ["F", "U"]);
    const [f, u] = capability as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual(Object.keys(f), [
      "model_id", "base_model_id", "benchmark_id", "n_planned", "n_failed", "n_unscored", "n", "n_items", "accuracy", "ci_low", "ci_high", "is_graded",
      "n_pairs", "model_accuracy", "base_accuracy", "delta", "b", "c", "design_effect", "delta_ci_low", "delta_ci_high", "ci_method",
      "p_value", "test", "p_adjusted", "p_adjust_method",
    ]);
    // F: 32 of 40 paired items right, plus only-f → 33 of 41; one unscored, two failed.
    assert.deepEqual([f.n_planned, f.n_failed, f.n_unscored, f.n, f.n_items, f.is_graded, f.n_pairs, f.b, f.c], [44, 2, 1, 41, 41, false, 40, 12, 3]);
    close(f.accuracy, 33 / 41);
    close(f.ci_low, wilson(33, 41)[0]);
    close(f.ci_high, wilson(33, 41)[1]);
    close(f.model_accuracy, 32 / 40);
    close(f.base_accuracy, 23 / 40);
    close(f.delta, 9 / 40);
    // reference-values.py: tango(12, 3, 40); exact McNemar 0.03515625, alone in its family.
    close(f.delta_ci_low, 0.03888297155117572, 1e-12);
    close(f.delta_ci_high, 0.40180937699492836, 1e-12);
    assert.deepEqual([f.ci_method, f.test, f.p_adjust_method, f.design_effect], ["tango", "mcnemar_exact", "holm", 1]);
    close(f.p_value, exactSignTest(12, 3));
    close(f.p_value, 0.03515625);
    close(f.p_adjusted, 0.03515625);
    // U has no base: its paired columns are empty. 23 right of 41.
    assert.deepEqual([u.base_model_id, u.n_planned, u.n_failed, u.n, u.n_pairs, u.delta, u.delta_ci_low, u.p_value, u.p_adjust_method], [null, 42, 1, 41, null, null, null, null, null]);
    close(u.accuracy, 23 / 41);
  });

  test("right/wrong scores: every pair agreeing is not degenerate; all in one direction; repeats that agree count once", async () => {
    // Every pair agreeing: delta 0, Tango's interval ±z²/(n + z²), p = 1 (reference-values.py: tango(0, 0, 10)).
    const same = (await compute(paired(counts(5, 0, 0, 5)))).capability[0]!;
    assert.deepEqual([same.delta, same.p_value], [0, 1]);
    close(same.delta_ci_low, -0.27753279986288926, 1e-12);
    close(same.delta_ci_high, 0.2775327998628892, 1e-12);
    // Every pair in the model's favour (tango(7, 0, 7) = [0.2913391298666252, 1]).
    const all = (await compute(paired(counts(0, 7, 0, 0)))).capability[0]!;
    assert.equal(all.delta, 1);
    close(all.delta_ci_low, 0.2913391298666252, 1e-12);
    assert.equal(all.delta_ci_high, 1);
    // The same items answered three times alike: the same numbers as once.
    const thrice: S[] = paired(kinds).flatMap((s) => [0, 1, 2].map((repeat) => ({ ...s, repeat })));
    const once = (await compute(paired(kinds))).capability[0]!;
    const again = (await compute(thrice)).capability[0]!;
    assert.deepEqual([again.n, again.n_items, again.n_pairs], [120, 40, 40]);
    for (const column of ["accuracy", "ci_low", "ci_high", "delta", "b", "c", "delta_ci_low", "delta_ci_high", "p_value", "test"]) assert.equal(again[column], once[column], column);
  });

  test("graded scores (MM-Vet): mean grade with a normal interval; the design-effect score interval and test (reference-values.py)", async () => {
    // 30 pairs with grades in tenths, from a fixed formula.
    const grades: [number, number][] = Array.from({ length: 30 }, (_, i) => [((i * 7) % 11) / 10, ((i * 3 + 4) % 11) / 10]);
    const { capability } = await compute(paired(grades, { benchmark: "mm-vet", subset: "test", graded: true }));
    const f = capability.find((r) => r.model_id === "F")!;
    assert.equal(f.is_graded, true);
    close(f.accuracy, 0.5066666666666666, 1e-12);
    close(f.ci_low, 0.5066666666666666 - (Z * 0.32369987518595417) / Math.sqrt(30), 1e-12);
    close(f.ci_high, 0.5066666666666666 + (Z * 0.32369987518595417) / Math.sqrt(30), 1e-12);
    close(f.delta, 0.01, 1e-12);
    close(f.b, 8.76, 1e-9);
    close(f.c, 8.46, 1e-9);
    assert.deepEqual([f.design_effect, f.ci_method, f.test], [1, "tango_design_effect", "score_design_effect"]);
    close(f.delta_ci_low, -0.2565639020286582, 1e-10);
    close(f.delta_ci_high, 0.27498253116565646, 1e-10);
    close(f.p_value, 0.9423676180806553, 1e-10);
  });

  test("multiplicity: the run's capability deltas are one family (Holm by default)", async () => {
    // pope: b = 12, c = 3 (p = 0.03515625); mmstar: b = 7, c = 0 (p = 0.015625); G: b = c = 1 (p = 1).
    const rows: S[] = [
      ...paired(counts(20, 12, 3, 5)),
      ...paired(counts(0, 7, 0, 3), { benchmark: "mmstar", subset: "val" }),
      ...paired(counts(1, 1, 1, 1)).map((s) => (s.model === "F" ? { ...s, model: "G" } : { ...s, sample: `g-${s.sample}` })),
    ];
    const holm = (await compute(rows)).capability;
    const at = (rows: Record<string, unknown>[], model: string, benchmark: string) => rows.find((r) => r.model_id === model && r.benchmark_id === benchmark)!;
    // Holm over three: sorted 0.015625, 0.03515625, 1 → 3·0.015625, max(2·0.03515625, ·), 1.
    close(at(holm, "F", "mmstar").p_adjusted, 0.046875, 1e-12);
    close(at(holm, "F", "pope").p_adjusted, 0.0703125, 1e-12);
    assert.equal(at(holm, "F", "mmstar").p_adjust_method, "holm");
    const none = (await compute(rows, [], "none")).capability;
    close(at(none, "F", "pope").p_adjusted, 0.03515625, 1e-12);
  });

  test("benchmarks and models are kept apart; subsets pool; a base without scores gives no pairs", async () => {
    const rows: S[] = [
      ...paired(counts(1, 1, 0, 0), { subset: "random" }),
      ...paired(counts(0, 0, 1, 1), { subset: "popular" }).map((s) => ({ ...s, sample: `p-${s.sample}` })),
      { model: "F", base: "U", benchmark: "mmstar", subset: "val", sample: "m1", score: 1 },
      { model: "G", base: "V", sample: "q000", score: 1 },
    ];
    const { capability } = await compute(rows);
    const key = (r: Record<string, unknown>) => `${r.model_id}/${r.benchmark_id}`;
    assert.deepEqual(capability.map(key), ["F/mmstar", "F/pope", "G/pope", "U/pope"]);
    const fPope = capability.find((r) => key(r) === "F/pope")!;
    // Pooled over both subsets: F right on 2 of 4, U on 2 of 4; pairs b = 1, c = 1.
    assert.deepEqual([fPope.n, fPope.n_pairs, fPope.delta], [4, 4, 0]);
    close(fPope.p_value, 1);
    assert.equal(capability.find((r) => key(r) === "F/mmstar")!.n_pairs, null);
    assert.equal(capability.find((r) => key(r) === "G/pope")!.n_pairs, null);
  });
});

describe("thinking_retention.sql", () => {
  test("share of answered responses with a thinking of at least one word, per benchmark and overall, beside the base", async () => {
    const responses: R[] = [
      // U thinks on 4 of 4 figstep answers, 1 of 2 pope answers.
      ...[0, 1, 2, 3].map((i) => ({ model: "U", sample: `f${i}`, words: 10 + i })),
      { model: "U", benchmark: "pope", sample: "p0", words: 5 },
      { model: "U", benchmark: "pope", sample: "p1", words: null },
      // F (base U): figstep 1 of 3 (an empty thinking, 0 words, does not count; a failed request is not an answer).
      { model: "F", base: "U", sample: "f0", words: 7 },
      { model: "F", base: "U", sample: "f1", words: 0 },
      { model: "F", base: "U", sample: "f2", words: null },
      { model: "F", base: "U", sample: "f3", words: null, error: "timeout" },
      { model: "F", base: "U", benchmark: "pope", sample: "p0", words: null },
    ];
    const { thinking_retention: rows } = await compute([], responses);
    const key = (r: Record<string, unknown>) => `${r.model_id}/${r.benchmark_id ?? "all"}`;
    assert.deepEqual(rows.map(key), ["F/all", "F/figstep", "F/pope", "U/all", "U/figstep", "U/pope"]);
    assert.deepEqual(Object.keys(rows[0]!), ["model_id", "base_model_id", "benchmark_id", "n", "n_thinking", "thinking_rate", "ci_low", "ci_high", "base_thinking_rate"]);
    const at = (k: string) => rows.find((r) => key(r) === k)!;
    assert.deepEqual([at("F/figstep").n, at("F/figstep").n_thinking], [3, 1]);
    close(at("F/figstep").thinking_rate, 1 / 3);
    close(at("F/figstep").ci_low, wilson(1, 3)[0]);
    close(at("F/figstep").ci_high, wilson(1, 3)[1]);
    close(at("F/figstep").base_thinking_rate, 1);
    assert.deepEqual([at("F/all").n, at("F/all").n_thinking, at("F/all").base_model_id], [4, 1, "U"]);
    close(at("F/all").base_thinking_rate, 5 / 6);
    close(at("F/pope").base_thinking_rate, 1 / 2);
    assert.equal(at("U/all").base_thinking_rate, null);
    close(at("U/all").thinking_rate, 5 / 6);
  });
});

describe("capabilityDatabase", () => {
  test("reads a run folder: scores when present, and thinking words from the text for older responses files", async (t) => {
    const dir = await tempDir(t);
    const thinkings = ["one two\tthree", "  ", null, "a\u00a0b c"];
    const db = await Database.open();
    try {
      // An older responses file: no thinking_words column.
      const { thinking_words: _dropped, ...older } = { ...RESPONSES_SCHEMA, thinking_words: "INTEGER" };
      await db.createTable(
        "responses",
        older,
        thinkings.map((thinking, i) => Object.keys(older).map((c) => ({ model_id: "M", benchmark_id: "figstep", subset: "s", sample_id: `x${i}`, repeat: 0, thinking } as Record<string, Cell>)[c] ?? null)),
      );
      await db.writeParquet("SELECT * FROM responses", join(dir, "responses.parquet"));
    } finally {
      db.close();
    }
    const loaded = await capabilityDatabase(dir);
    try {
      const words = await loaded.rows("SELECT thinking_words FROM responses ORDER BY sample_id");
      // Words are runs of anything but ASCII whitespace (a no-break space is part of a word).
      assert.deepEqual(words.map((r) => r.thinking_words), [3, 0, null, 2]);
      assert.deepEqual((await readCapability(loaded)).capability, [], "no scores file: no capability rows");
      const [all] = await loaded.rows("SELECT n, n_thinking FROM thinking_retention WHERE benchmark_id IS NULL");
      assert.deepEqual(all, { n: 4, n_thinking: 2 });
    } finally {
      loaded.close();
    }
    // With a scores file, its rows are read.
    const writer = await Database.open();
    try {
      await writer.createTable("scores", SCORES_SCHEMA, [Object.keys(SCORES_SCHEMA).map((c) => ({ model_id: "M", benchmark_id: "pope", subset: "random", sample_id: "1", repeat: 0, correct: true, score: 1 } as Record<string, Cell>)[c] ?? null)]);
      await writer.writeParquet("SELECT * FROM scores", join(dir, "scores.parquet"));
    } finally {
      writer.close();
    }
    const again = await capabilityDatabase(dir);
    try {
      assert.deepEqual((await readCapability(again)).capability.map((r) => [r.model_id, r.benchmark_id, r.n, r.accuracy]), [["M", "pope", 1, 1]]);
    } finally {
      again.close();
    }
  });
});
