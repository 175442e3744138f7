// Tests of capability.sql and thinking_retention.sql on hand-made tables. Every expected number is
// computed here, independently of the SQL: Wilson bounds from the formula, the exact McNemar / sign
// test p as a ratio of BigInts, the bootstrap against its exact distribution (right/wrong scores)
// or replayed replicate by replicate with the documented integer hash (graded scores).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { RESPONSES_SCHEMA } from "../eval/responses.ts";
import { SCORES_SCHEMA } from "../eval/scores.ts";
import { tempDir } from "../test-support.ts";
import { CAPABILITY_INPUTS, capabilityDatabase, computeCapability, readCapability } from "./capability.ts";
import { Database, type Cell } from "./database.ts";

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

/** The q-quantile (smallest value with cumulative probability ≥ q) of (B − C)/n, (B, C, rest) ~ Multinomial(n; b/n, c/n, rest). */
function exactBootstrapQuantile(n: number, b: number, c: number, q: number): number {
  const logFact = (k: number) => { let s = 0; for (let i = 2; i <= k; i++) s += Math.log(i); return s; };
  const [pb, pc] = [b / n, c / n];
  const po = 1 - pb - pc;
  const mass = new Map<number, number>();
  for (let x = 0; x <= n; x++) {
    for (let y = 0; x + y <= n; y++) {
      const lp = logFact(n) - logFact(x) - logFact(y) - logFact(n - x - y) + (x ? x * Math.log(pb) : 0) + (y ? y * Math.log(pc) : 0) + (n - x - y ? (n - x - y) * Math.log(po) : 0);
      mass.set(x - y, (mass.get(x - y) ?? 0) + Math.exp(lp));
    }
  }
  let cumulative = 0;
  for (const k of [...mass.keys()].sort((a, z) => a - z)) {
    cumulative += mass.get(k)!;
    if (cumulative >= q) return k / n;
  }
  return 1;
}

/** bootstrap_pick as macros.sql documents it, in BigInt arithmetic. */
function bootstrapPick(seed: number, b: number, k: number, n: number): number {
  const M = 2n ** 32n;
  const mix32 = (x: bigint) => (((x >> 16n) ^ x) * 73244475n) % M;
  const hash32 = (x: bigint) => {
    const y = mix32(mix32(x));
    return (y >> 16n) ^ y;
  };
  return Number(hash32((hash32((BigInt(seed) * 7919n + BigInt(b)) % M) + BigInt(k)) % M) % BigInt(n));
}

/** DuckDB's quantile_cont: linear interpolation between the order statistics. */
function quantileCont(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[lo + 1] ?? sorted[lo]!) - sorted[lo]!);
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

async function compute(scores: S[], responses: R[] = []) {
  const db = await Database.open();
  try {
    await db.createTable("scores", CAPABILITY_INPUTS.scores, scores.map(scoreRow));
    await db.createTable("responses", CAPABILITY_INPUTS.responses, responses.map(responseRow));
    await computeCapability(db);
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

  test("accuracy with Wilson interval; paired delta, exact McNemar p; unscored and unpaired rows", async () => {
    const rows: S[] = [
      ...paired(kinds),
      { model: "F", base: "U", sample: "only-f", score: 1 },
      { model: "F", base: "U", sample: "unscored", score: null },
      { model: "U", sample: "unscored", score: 0 },
    ];
    const { capability } = await compute(rows);
    assert.deepEqual(capability.map((r) => r.model_id), ["F", "U"]);
    const [f, u] = capability as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual(Object.keys(f), [
      "model_id", "base_model_id", "benchmark_id", "n", "n_unscored", "accuracy", "ci_low", "ci_high", "is_graded",
      "n_pairs", "model_accuracy", "base_accuracy", "delta", "delta_ci_low", "delta_ci_high", "mcnemar_p",
    ]);
    // F: 32 of 40 paired items right, plus only-f → 33 of 41; one unscored.
    assert.deepEqual([f.n, f.n_unscored, f.is_graded, f.n_pairs], [41, 1, false, 40]);
    close(f.accuracy, 33 / 41);
    close(f.ci_low, wilson(33, 41)[0]);
    close(f.ci_high, wilson(33, 41)[1]);
    close(f.model_accuracy, 32 / 40);
    close(f.base_accuracy, 23 / 40);
    close(f.delta, 9 / 40);
    close(f.mcnemar_p, exactSignTest(12, 3));
    close(f.mcnemar_p, 0.03515625);
    // U has no base: its paired columns are empty. 23 right of 41.
    assert.deepEqual([u.base_model_id, u.n, u.n_pairs, u.delta, u.delta_ci_low, u.mcnemar_p], [null, 41, null, null, null, null]);
    close(u.accuracy, 23 / 41);
  });

  test("right/wrong scores: the bootstrap interval follows the exact bootstrap distribution and is seeded", async () => {
    const first = (await compute(paired(kinds))).capability[0]!;
    const second = (await compute(paired(kinds))).capability[0]!;
    assert.deepEqual(first, second);
    const [lo, hi] = [first.delta_ci_low as number, first.delta_ci_high as number];
    assert.ok(lo < 9 / 40 && 9 / 40 < hi, `${lo} < 0.225 < ${hi}`);
    // 2,000 replicates estimate the 2.5% and 97.5% points; values are 1/40 apart: allow two steps.
    assert.ok(Math.abs(lo - exactBootstrapQuantile(40, 12, 3, 0.025)) <= 2 / 40 + 1e-12, `low ${lo}`);
    assert.ok(Math.abs(hi - exactBootstrapQuantile(40, 12, 3, 0.975)) <= 2 / 40 + 1e-12, `high ${hi}`);
    // Every pair agreeing: delta 0 with interval [0, 0] and p = 1.
    const same = (await compute(paired(counts(10, 0, 0, 5)))).capability[0]!;
    assert.deepEqual([same.delta, same.delta_ci_low, same.delta_ci_high, same.mcnemar_p], [0, 0, 0, 1]);
    // Values of probability 0 are never drawn: every pair in the model's favour gives [1, 1]; a model
    // never right where the untuned one is wrong (b = 0) never gets a positive resampled delta.
    const all = (await compute(paired(counts(0, 12, 0, 0)))).capability[0]!;
    assert.deepEqual([all.delta, all.delta_ci_low, all.delta_ci_high], [1, 1, 1]);
    const worse = (await compute(paired(counts(20, 0, 6, 14)))).capability[0]!;
    close(worse.delta, -6 / 40);
    assert.ok((worse.delta_ci_high as number) <= 0 && (worse.delta_ci_low as number) < -6 / 40, `[${worse.delta_ci_low}, ${worse.delta_ci_high}]`);
    assert.ok(Math.abs((worse.delta_ci_low as number) - exactBootstrapQuantile(40, 0, 6, 0.025)) <= 2 / 40 + 1e-12);
  });

  test("graded scores (MM-Vet): mean grade with a normal interval, sign test, pairs resampled as documented", async () => {
    // 30 pairs with grades in tenths, from a fixed formula.
    const grades: [number, number][] = Array.from({ length: 30 }, (_, i) => [((i * 7) % 11) / 10, ((i * 3 + 4) % 11) / 10]);
    const { capability } = await compute(paired(grades, { benchmark: "mm-vet", subset: "test", graded: true }));
    const f = capability.find((r) => r.model_id === "F")!;
    assert.equal(f.is_graded, true);
    const fs = grades.map(([a]) => a);
    const mean = fs.reduce((s, x) => s + x, 0) / 30;
    const sd = Math.sqrt(fs.reduce((s, x) => s + (x - mean) ** 2, 0) / 29);
    close(f.accuracy, mean, 1e-12);
    close(f.ci_low, Math.max(0, mean - (Z * sd) / Math.sqrt(30)), 1e-12);
    close(f.ci_high, Math.min(1, mean + (Z * sd) / Math.sqrt(30)), 1e-12);
    const diffs = grades.map(([a, b]) => a - b);
    close(f.delta, diffs.reduce((s, x) => s + x, 0) / 30, 1e-12);
    close(f.mcnemar_p, exactSignTest(diffs.filter((d) => d > 0).length, diffs.filter((d) => d < 0).length));
    // Replay: pairs numbered by sample id; draw k of replicate r takes pair bootstrap_pick(seed, r, k, n).
    const replicates = Array.from({ length: 2000 }, (_, i) => {
      let sum = 0;
      for (let k = 0; k < 30; k++) sum += diffs[bootstrapPick(20250506, i + 1, k, 30)]!;
      return sum / 30;
    });
    close(f.delta_ci_low, quantileCont(replicates, 0.025), 1e-12);
    close(f.delta_ci_high, quantileCont(replicates, 0.975), 1e-12);
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
    close(fPope.mcnemar_p, 1);
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
