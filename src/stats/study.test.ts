// Tests of the study's statistics (safety*, degradation*, thinking_vs_answer, thinking_length) and
// of loading a run folder. Tables are built by hand; every expected number is computed here, in
// TypeScript, independently of the SQL: Wilson bounds from the formula, the exact McNemar p-value
// as a ratio of BigInts, the bootstrap's exact distribution by enumerating the multinomial.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { statsCommand } from "../cli/stats.ts";
import { rejectsWith, tempDir } from "../test-support.ts";
import { DataError } from "../errors.ts";
import { countWords, RESPONSES_SCHEMA } from "../eval/responses.ts";
import { JUDGMENTS_SCHEMA } from "../judges/judgments.ts";
import { Database, type Cell } from "./database.ts";
import { computeStudy, readStudy, STUDY_INPUTS, studyDatabase, studyStats, type StudyStats } from "./study.ts";

const Z = 1.959963984540054;

function wilson(k: number, n: number): [number, number] {
  const p = k / n;
  const centre = p + (Z * Z) / (2 * n);
  const half = Z * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n));
  const denom = 1 + (Z * Z) / n;
  return [Math.max(0, (centre - half) / denom), Math.min(1, (centre + half) / denom)];
}

/** Exact two-sided McNemar p: min(1, 2·Σ_{i ≤ min(b,c)} C(b+c, i) / 2^(b+c)), in BigInt arithmetic. */
function mcnemarExact(b: number, c: number): number {
  const m = b + c;
  if (m === 0) return 1;
  let term = 1n; // C(m, 0)
  let sum = 0n;
  for (let i = 0; i <= Math.min(b, c); i++) {
    sum += term;
    term = (term * BigInt(m - i)) / BigInt(i + 1);
  }
  const scale = 10n ** 30n;
  const p = Number((2n * sum * scale) / 2n ** BigInt(m)) / 1e30;
  return Math.min(1, p);
}

function close(actual: unknown, expected: number, tol = 1e-9): void {
  assert.equal(typeof actual, "number", `expected a number, got ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) <= tol, `expected ${expected} ± ${tol}, got ${String(actual)}`);
}

interface J {
  model: string;
  base?: string | null;
  benchmark?: string;
  subset?: string;
  sample: string;
  category?: string | null;
  repeat?: number;
  judge?: string;
  target?: "answer" | "thinking";
  unsafe: boolean | null;
}

/** A whole judgments row as `thinksafe judge` writes it. */
function fullJudgment(j: J): Cell[] {
  const values: Record<keyof typeof JUDGMENTS_SCHEMA, Cell> = {
    experiment_id: "test",
    experiment_hash: "h",
    model_id: j.model,
    base_model_id: j.base ?? null,
    benchmark_id: j.benchmark ?? "figstep",
    subset: j.subset ?? "SafeBench",
    sample_id: j.sample,
    category: j.category === undefined ? "c1" : j.category,
    repeat: j.repeat ?? 0,
    judge_id: j.judge ?? "judge",
    judge_version: "1",
    target: j.target ?? "answer",
    verdict: j.unsafe === null ? "unparsed" : j.unsafe ? "unsafe" : "safe",
    unsafe: j.unsafe,
    score: null,
    explanation: null,
    is_simulated: false,
  };
  return Object.keys(JUDGMENTS_SCHEMA).map((k) => values[k as keyof typeof JUDGMENTS_SCHEMA]);
}

/** A judgments row of the columns the statistics read. */
function judgment(j: J): Cell[] {
  const row = fullJudgment(j);
  return Object.keys(STUDY_INPUTS.judgments).map((k) => row[Object.keys(JUDGMENTS_SCHEMA).indexOf(k)]!);
}

interface R {
  model: string;
  base?: string | null;
  benchmark?: string;
  subset?: string;
  sample: string;
  repeat?: number;
  /** responses.thinking_words: NULL without thinking. */
  words: number | null;
}

/** A row of the columns the statistics read (STUDY_INPUTS.responses). */
function response(r: R): Cell[] {
  const values: Record<keyof typeof STUDY_INPUTS.responses, Cell> = {
    model_id: r.model,
    benchmark_id: r.benchmark ?? "figstep",
    subset: r.subset ?? "SafeBench",
    sample_id: r.sample,
    repeat: r.repeat ?? 0,
    thinking_words: r.words,
  };
  return Object.keys(STUDY_INPUTS.responses).map((k) => values[k as keyof typeof STUDY_INPUTS.responses]);
}

/** A whole responses row as `thinksafe eval` writes it, thinking_words counted from the thinking. */
function fullResponse(r: Omit<R, "words"> & { thinking: string | null }): Cell[] {
  const values: Partial<Record<keyof typeof RESPONSES_SCHEMA, Cell>> = {
    experiment_id: "test",
    model_id: r.model,
    model: r.model,
    base_model_id: r.base ?? null,
    benchmark_id: r.benchmark ?? "figstep",
    subset: r.subset ?? "SafeBench",
    sample_id: r.sample,
    repeat: r.repeat ?? 0,
    thinking: r.thinking,
    thinking_words: r.thinking === null ? null : countWords(r.thinking),
    answer: "an answer",
  };
  return Object.keys(RESPONSES_SCHEMA).map((k) => values[k as keyof typeof RESPONSES_SCHEMA] ?? null);
}

/** The study over tables holding only the columns the statistics are given (STUDY_INPUTS). */
async function study(judgments: J[], responses: R[] = []): Promise<StudyStats> {
  const db = await Database.open();
  try {
    await db.createTable("responses", STUDY_INPUTS.responses, responses.map(response));
    await db.createTable("judgments", STUDY_INPUTS.judgments, judgments.map(judgment));
    await computeStudy(db);
    return await readStudy(db);
  } finally {
    db.close();
  }
}

/** n paired items of model M (base B) with the given verdict pairs [model unsafe, base unsafe]. */
function paired(kinds: [boolean, boolean][], extra: Partial<J> = {}, prefix = "s"): J[] {
  return kinds.flatMap(([m, b], i) => [
    { model: "M", base: "B", sample: `${prefix}${i}`, unsafe: m, ...extra },
    { model: "B", sample: `${prefix}${i}`, unsafe: b, ...extra },
  ]);
}

function repeatKinds(counts: { both: number; model: number; base: number; neither: number }): [boolean, boolean][] {
  return [
    ...Array<[boolean, boolean]>(counts.both).fill([true, true]),
    ...Array<[boolean, boolean]>(counts.model).fill([true, false]),
    ...Array<[boolean, boolean]>(counts.base).fill([false, true]),
    ...Array<[boolean, boolean]>(counts.neither).fill([false, false]),
  ];
}

/**
 * The exact bootstrap distribution of delta* = (B − C)/n when n pairs are resampled:
 * (B, C, rest) ~ Multinomial(n; b/n, c/n, 1 − (b+c)/n). Returns its q-quantile (smallest value
 * with cumulative probability ≥ q).
 */
function exactBootstrapQuantile(n: number, b: number, c: number, q: number): number {
  const logFact = (k: number) => { let s = 0; for (let i = 2; i <= k; i++) s += Math.log(i); return s; };
  const pb = b / n, pc = c / n, po = 1 - pb - pc;
  const mass = new Map<number, number>();
  for (let x = 0; x <= n; x++) {
    for (let y = 0; x + y <= n; y++) {
      const lp = logFact(n) - logFact(x) - logFact(y) - logFact(n - x - y)
        + (x ? x * Math.log(pb) : 0) + (y ? y * Math.log(pc) : 0) + (n - x - y ? (n - x - y) * Math.log(po) : 0);
      mass.set(x - y, (mass.get(x - y) ?? 0) + Math.exp(lp));
    }
  }
  let cumulative = 0;
  for (const k of [...mass.keys()].sort((a, b) => a - b)) {
    cumulative += mass.get(k)!;
    if (cumulative >= q) return k / n;
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------

describe("safety.sql", () => {
  test("counts, Wilson interval, safety rate; unparsed and error verdicts only in n_unjudged", async () => {
    // M on figstep: 3 unsafe, 7 safe, 2 unjudged → n = 10, unsafe_rate = 0.3.
    const rows: J[] = [
      ...[1, 2, 3].map((i) => ({ model: "M", sample: `u${i}`, unsafe: true })),
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => ({ model: "M", sample: `s${i}`, unsafe: false })),
      { model: "M", sample: "x1", unsafe: null },
      { model: "M", sample: "x2", unsafe: null },
      { model: "M", sample: "u1", target: "thinking", unsafe: true },
    ];
    const { safety } = await study(rows);
    assert.deepEqual(safety.map((r) => [r.model_id, r.benchmark_id, r.judge_id, r.target]), [
      ["M", "figstep", "judge", "answer"],
      ["M", "figstep", "judge", "thinking"],
    ]);
    const [answer, thinking] = safety;
    assert.deepEqual(Object.keys(answer!), [
      "model_id", "benchmark_id", "judge_id", "target", "n", "unsafe", "unsafe_rate", "ci_low", "ci_high", "safety_rate", "n_unjudged",
    ]);
    assert.equal(answer!.n, 10);
    assert.equal(answer!.unsafe, 3);
    assert.equal(answer!.n_unjudged, 2);
    close(answer!.unsafe_rate, 0.3);
    close(answer!.safety_rate, 0.7);
    const [lo, hi] = wilson(3, 10);
    close(answer!.ci_low, lo);
    close(answer!.ci_high, hi);
    assert.equal(thinking!.n, 1);
    close(thinking!.ci_high, 1);
  });

  test("a group whose every verdict is unparsed has n = 0 and NULL rates", async () => {
    const { safety } = await study([{ model: "M", sample: "a", unsafe: null }]);
    assert.equal(safety[0]!.n, 0);
    assert.equal(safety[0]!.n_unjudged, 1);
    assert.equal(safety[0]!.unsafe_rate, null);
    assert.equal(safety[0]!.ci_low, null);
    assert.equal(safety[0]!.safety_rate, null);
  });

  test("by category and by group (benchmark_groups from the registry)", async () => {
    const rows: J[] = [
      { model: "M", sample: "a", category: "c1", unsafe: true },
      { model: "M", sample: "b", category: "c1", unsafe: false },
      { model: "M", sample: "c", category: "c2", unsafe: true },
      // mm-safetybench: 1 of 4 unsafe; siuo: 1 of 2; an unknown benchmark: no group.
      ...[0, 1, 2, 3].map((i) => ({ model: "M", benchmark: "mm-safetybench", subset: "tiny", sample: `m${i}`, unsafe: i === 0 })),
      { model: "M", benchmark: "siuo", subset: "gen", sample: "s0", unsafe: true },
      { model: "M", benchmark: "siuo", subset: "gen", sample: "s1", unsafe: false },
      { model: "M", benchmark: "siuo", subset: "gen", sample: "s2", unsafe: null },
      { model: "M", benchmark: "homemade", subset: "x", sample: "h0", unsafe: true },
    ];
    const stats = await study(rows);
    const figstep = stats.safety_by_category.filter((r) => r.benchmark_id === "figstep");
    assert.deepEqual(figstep.map((r) => [r.category, r.n, r.unsafe]), [["c1", 2, 1], ["c2", 1, 1]]);
    const groups = Object.fromEntries(stats.safety_by_group.map((r) => [String(r.benchmark_group), r]));
    assert.deepEqual(Object.keys(groups), ["jailbreak-robustness", "safety-awareness", "null"]);
    // jailbreak robustness: figstep 2 of 3 and mm-safetybench 1 of 4 → pooled 3 of 7, mean (2/3 + 1/4)/2.
    const jr = groups["jailbreak-robustness"]!;
    assert.equal(jr.n_benchmarks, 2);
    assert.equal(jr.n, 7);
    assert.equal(jr.unsafe, 3);
    close(jr.unsafe_rate, 3 / 7);
    close(jr.ci_low, wilson(3, 7)[0]);
    close(jr.ci_high, wilson(3, 7)[1]);
    close(jr.mean_benchmark_unsafe_rate, (2 / 3 + 1 / 4) / 2);
    const sa = groups["safety-awareness"]!;
    assert.deepEqual([sa.n, sa.unsafe, sa.n_unjudged], [2, 1, 1]);
    assert.equal(groups.null!.n, 1);
  });
});

describe("degradation.sql", () => {
  // 40 pairs: both unsafe 5, model only (b) 12, base only (c) 3, neither 20.
  const kinds = repeatKinds({ both: 5, model: 12, base: 3, neither: 20 });

  test("paired rates, delta and the exact McNemar p-value; unpaired and unjudged items left out", async () => {
    const rows: J[] = [
      ...paired(kinds),
      // Not pairs: the model alone, the base alone, a different repeat, a base verdict unparsed,
      // a different judge on one side only.
      { model: "M", base: "B", sample: "only-model", unsafe: true },
      { model: "B", sample: "only-base", unsafe: true },
      { model: "M", base: "B", sample: "s0", repeat: 1, unsafe: true },
      { model: "M", base: "B", sample: "unparsed", unsafe: true },
      { model: "B", sample: "unparsed", unsafe: null },
      { model: "M", base: "B", sample: "s1", judge: "other", unsafe: true },
    ];
    const { degradation } = await study(rows);
    assert.equal(degradation.length, 1);
    const row = degradation[0]!;
    assert.deepEqual(Object.keys(row), [
      "model_id", "base_model_id", "benchmark_id", "judge_id", "target", "n_pairs",
      "unsafe_rate", "base_unsafe_rate", "delta", "ci_low", "ci_high", "mcnemar_p",
    ]);
    assert.deepEqual([row.model_id, row.base_model_id, row.benchmark_id, row.judge_id, row.target, row.n_pairs], ["M", "B", "figstep", "judge", "answer", 40]);
    close(row.unsafe_rate, 17 / 40);
    close(row.base_unsafe_rate, 8 / 40);
    close(row.delta, 17 / 40 - 8 / 40);
    // 2·(C(15,0) + C(15,1) + C(15,2) + C(15,3)) / 2^15 = 2·576/32768
    close(row.mcnemar_p, 0.03515625);
    close(row.mcnemar_p, mcnemarExact(12, 3));
  });

  test("bootstrap interval: contains delta, matches the exact bootstrap distribution, same on every run", async () => {
    const first = (await study(paired(kinds))).degradation[0]!;
    const second = (await study(paired(kinds))).degradation[0]!;
    assert.deepEqual(first, second);
    const { ci_low: lo, ci_high: hi, delta } = first as { ci_low: number; ci_high: number; delta: number };
    assert.ok(lo < delta && delta < hi, `${lo} < ${delta} < ${hi}`);
    // 2,000 replicates estimate the 2.5% and 97.5% points of the exact bootstrap distribution;
    // with n = 40 its values are k/40 apart, so allow two steps.
    const exactLo = exactBootstrapQuantile(40, 12, 3, 0.025);
    const exactHi = exactBootstrapQuantile(40, 12, 3, 0.975);
    assert.ok(Math.abs(lo - exactLo) <= 2 / 40 + 1e-12, `ci_low ${lo} vs exact ${exactLo}`);
    assert.ok(Math.abs(hi - exactHi) <= 2 / 40 + 1e-12, `ci_high ${hi} vs exact ${exactHi}`);
    // Values a resample can take are multiples of 1/40; quantile_cont interpolates between two.
    assert.ok(lo >= -1 && hi <= 1);
  });

  test("a larger table: interval close to the exact bootstrap percentiles", async () => {
    const big = repeatKinds({ both: 40, model: 90, base: 50, neither: 220 }); // n = 400, delta = 0.1
    const row = (await study(paired(big))).degradation[0]!;
    close(row.delta, 0.1);
    const exactLo = exactBootstrapQuantile(400, 90, 50, 0.025);
    const exactHi = exactBootstrapQuantile(400, 90, 50, 0.975);
    // Monte Carlo error of a 2.5% point from 2,000 replicates is about 0.01 here (sd of delta* ≈ 0.03).
    close(row.ci_low, exactLo, 0.012);
    close(row.ci_high, exactHi, 0.012);
    close(row.mcnemar_p, mcnemarExact(90, 50));
  });

  test("all pairs agree: delta 0, interval [0, 0], McNemar p = 1", async () => {
    const row = (await study(paired(repeatKinds({ both: 4, model: 0, base: 0, neither: 6 })))).degradation[0]!;
    assert.equal(row.delta, 0);
    assert.equal(row.ci_low, 0);
    assert.equal(row.ci_high, 0);
    assert.equal(row.mcnemar_p, 1);
  });

  test("every pair discordant one way: delta 1 and interval [1, 1]", async () => {
    const row = (await study(paired(repeatKinds({ both: 0, model: 7, base: 0, neither: 0 })))).degradation[0]!;
    assert.equal(row.delta, 1);
    assert.equal(row.ci_low, 1);
    assert.equal(row.ci_high, 1);
    close(row.mcnemar_p, mcnemarExact(7, 0)); // 2/128
  });

  test("tables with values of probability 0 (b + c = n_pairs, or c = 0) draw only values that can occur", async () => {
    // Every resample of these has D = n_pairs (all pairs discordant) or B = D (no c-pairs). Such
    // tables have runs of values with equal P[X < x]; the draw must not depend on how the DuckDB
    // version breaks the tie (DuckDB 1.5 gave [0.55, 0.55] for the first row before).
    const rows = (await study([
      ...paired(repeatKinds({ both: 0, model: 40, base: 0, neither: 0 }), { benchmark: "figstep" }),
      ...paired(repeatKinds({ both: 0, model: 0, base: 1000, neither: 0 }), { benchmark: "jailbreakv" }),
      ...paired(repeatKinds({ both: 0, model: 20, base: 20, neither: 0 }), { benchmark: "mm-safetybench" }),
      ...paired(repeatKinds({ both: 30, model: 12, base: 0, neither: 358 }), { benchmark: "siuo" }),
    ])).degradation;
    const byBenchmark = Object.fromEntries(rows.map((r) => [r.benchmark_id, r]));
    assert.deepEqual([byBenchmark.figstep!.ci_low, byBenchmark.figstep!.ci_high], [1, 1]);
    assert.deepEqual([byBenchmark.jailbreakv!.ci_low, byBenchmark.jailbreakv!.ci_high], [-1, -1]);
    // n = 40, b = c = 20: delta* = (2B - 40)/40 with B ~ Binomial(40, 1/2).
    const balanced = byBenchmark["mm-safetybench"]!;
    assert.ok(Math.abs((balanced.ci_low as number) - exactBootstrapQuantile(40, 20, 20, 0.025)) <= 2 / 40 + 1e-12, `ci_low ${balanced.ci_low}`);
    assert.ok(Math.abs((balanced.ci_high as number) - exactBootstrapQuantile(40, 20, 20, 0.975)) <= 2 / 40 + 1e-12, `ci_high ${balanced.ci_high}`);
    // n = 400, b = 12, c = 0: delta* = B/400 >= 0.
    const oneWay = byBenchmark.siuo!;
    assert.ok((oneWay.ci_low as number) >= 0, `ci_low ${oneWay.ci_low}`);
    close(oneWay.ci_low, exactBootstrapQuantile(400, 12, 0, 0.025), 2 / 400 + 1e-12);
    close(oneWay.ci_high, exactBootstrapQuantile(400, 12, 0, 0.975), 2 / 400 + 1e-12);
  });

  test("rows with the same counts share their binomial tables: the same interval wherever they are", async () => {
    const kinds2 = repeatKinds({ both: 5, model: 12, base: 3, neither: 20 });
    const rows = (await study([
      ...paired(kinds2, { benchmark: "figstep" }),
      ...paired(repeatKinds({ both: 1, model: 30, base: 9, neither: 60 }), { benchmark: "jailbreakv" }),
      ...paired(kinds2, { benchmark: "siuo" }),
      ...paired(kinds2, { benchmark: "vlguard", judge: "other" }),
    ])).degradation;
    const alone = (await study(paired(kinds2))).degradation[0]!;
    const same = rows.filter((r) => r.n_pairs === 40);
    assert.equal(same.length, 3);
    for (const row of same) assert.deepEqual([row.ci_low, row.ci_high, row.mcnemar_p], [alone.ci_low, alone.ci_high, alone.mcnemar_p]);
  });

  test("McNemar p exact to 1e-9 with thousands of discordant pairs", async () => {
    // b = 1234, c = 1400: m = 2634, p ≈ 0.0013 (computed as a ratio of BigInts).
    const kinds2 = repeatKinds({ both: 0, model: 1234, base: 1400, neither: 10 });
    const row = (await study(paired(kinds2))).degradation[0]!;
    const exact = mcnemarExact(1234, 1400);
    assert.ok(exact > 1e-4 && exact < 0.1, `exact p ${exact}`);
    close(row.mcnemar_p, exact, 1e-9);
    close(row.delta, (1234 - 1400) / 2644);
    assert.ok((row.ci_low as number) < (row.delta as number) && (row.delta as number) < (row.ci_high as number));
  });

  test("McNemar p for b = c is 1, and for small tables equals the hand-summed binomial tail", async () => {
    const rows: J[] = [
      ...paired(repeatKinds({ both: 0, model: 5, base: 5, neither: 0 }), { benchmark: "siuo" }),
      ...paired(repeatKinds({ both: 1, model: 1, base: 6, neither: 2 }), { benchmark: "vlguard" }),
    ];
    const rows2 = (await study(rows)).degradation;
    const byBenchmark = Object.fromEntries(rows2.map((r) => [r.benchmark_id, r]));
    assert.equal(byBenchmark.siuo!.mcnemar_p, 1);
    close(byBenchmark.vlguard!.mcnemar_p, (2 * (1 + 7)) / 128); // m = 7, min = 1
  });

  test("degradation_by_group: unweighted mean over the group's benchmarks", async () => {
    const rows: J[] = [
      // figstep: 10 pairs, model 6 unsafe, base 2 → delta 0.4
      ...paired(repeatKinds({ both: 2, model: 4, base: 0, neither: 4 }), { benchmark: "figstep" }),
      // jailbreakv: 4 pairs, model 1, base 1 → delta 0
      ...paired(repeatKinds({ both: 0, model: 1, base: 1, neither: 2 }), { benchmark: "jailbreakv", subset: "mini" }),
      // siuo: 5 pairs, model 0, base 1 → delta −0.2
      ...paired(repeatKinds({ both: 0, model: 0, base: 1, neither: 4 }), { benchmark: "siuo", subset: "gen" }),
    ];
    const groups = Object.fromEntries((await study(rows)).degradation_by_group.map((r) => [r.benchmark_group, r]));
    const jr = groups["jailbreak-robustness"]!;
    assert.deepEqual([jr.n_benchmarks, jr.n_pairs], [2, 14]);
    close(jr.mean_unsafe_rate, (0.6 + 0.25) / 2);
    close(jr.mean_base_unsafe_rate, (0.2 + 0.25) / 2);
    close(jr.mean_delta, (0.4 + 0) / 2);
    close(groups["safety-awareness"]!.mean_delta, -0.2);
  });
});

describe("thinking_vs_answer.sql", () => {
  test("the 2x2 table, self-correction and leak rates, only where thinking exists and both are judged", async () => {
    // Per sample: [thinking unsafe, answer unsafe]. T+A+ 2, T+A− 3, T−A+ 1, T−A− 4.
    const cells: [boolean, boolean][] = [
      [true, true], [true, true],
      [true, false], [true, false], [true, false],
      [false, true],
      [false, false], [false, false], [false, false], [false, false],
    ];
    const judgments: J[] = cells.flatMap(([t, a], i) => [
      { model: "R", sample: `s${i}`, target: "thinking", unsafe: t },
      { model: "R", sample: `s${i}`, target: "answer", unsafe: a },
    ]);
    const responses: R[] = cells.map((_, i) => ({ model: "R", sample: `s${i}`, words: 2 }));
    // Left out: thinking unparsed; answer unparsed; thinking without a word in responses (a stray
    // thinking verdict); a base model without thinking; an answer judged by another judge only.
    judgments.push(
      { model: "R", sample: "t-unparsed", target: "thinking", unsafe: null },
      { model: "R", sample: "t-unparsed", target: "answer", unsafe: false },
      { model: "R", sample: "a-unparsed", target: "thinking", unsafe: true },
      { model: "R", sample: "a-unparsed", target: "answer", unsafe: null },
      { model: "R", sample: "blank", target: "thinking", unsafe: true },
      { model: "R", sample: "blank", target: "answer", unsafe: false },
      { model: "B", sample: "s0", target: "answer", unsafe: true },
      { model: "R", sample: "s0", judge: "other", target: "answer", unsafe: false },
    );
    responses.push(
      { model: "R", sample: "t-unparsed", words: 1 },
      { model: "R", sample: "a-unparsed", words: 1 },
      { model: "R", sample: "blank", words: 0 },
      { model: "B", sample: "s0", words: null },
    );
    const { thinking_vs_answer: rows } = await study(judgments, responses);
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.deepEqual(
      [row.model_id, row.judge_id, row.n, row.unsafe_thinking_unsafe_answer, row.unsafe_thinking_safe_answer, row.safe_thinking_unsafe_answer, row.safe_thinking_safe_answer],
      ["R", "judge", 10, 2, 3, 1, 4],
    );
    close(row.thinking_unsafe_rate, 5 / 10);
    close(row.answer_unsafe_rate, 3 / 10);
    close(row.self_correction_rate, 3 / 5); // unsafe thinking → safe answer, over unsafe thinking
    close(row.leak_rate, 3 / 7); // safe answers with unsafe thinking, over safe answers
    close(row.self_correction_ci_low, wilson(3, 5)[0]);
    close(row.self_correction_ci_high, wilson(3, 5)[1]);
    close(row.leak_ci_low, wilson(3, 7)[0]);
    close(row.leak_ci_high, wilson(3, 7)[1]);
  });

  test("rates are NULL when their denominator is empty", async () => {
    const { thinking_vs_answer: rows } = await study(
      [{ model: "R", sample: "a", target: "thinking", unsafe: false }, { model: "R", sample: "a", target: "answer", unsafe: true }],
      [{ model: "R", sample: "a", words: 1 }],
    );
    assert.equal(rows[0]!.self_correction_rate, null);
    assert.equal(rows[0]!.leak_rate, null);
  });
});

describe("thinking_length.sql", () => {
  test("fixed bins of thinking_words; only responses with a word of thinking and a judged answer", async () => {
    const responses: R[] = [
      { model: "R", sample: "a", words: 4 }, // bin 0
      { model: "R", sample: "b", words: 127 }, // bin 0
      { model: "R", sample: "c", words: 128 }, // bin 1
      { model: "R", sample: "d", words: 300 }, // bin 2
      { model: "R", sample: "i", words: 1023 }, // bin 3
      { model: "R", sample: "j", words: 2047 }, // bin 4
      { model: "R", sample: "e", words: 2048 }, // bin 5
      { model: "R", sample: "f", words: 0 }, // thinking without a word: left out
      { model: "R", sample: "g", words: null }, // no thinking: left out
      { model: "R", sample: "h", words: 10 }, // answer unparsed: left out
    ];
    const unsafe: Record<string, boolean | null> = { a: true, b: false, c: true, d: false, i: false, j: true, e: true, f: true, g: true, h: null };
    const judgments: J[] = Object.entries(unsafe).map(([sample, u]) => ({ model: "R", sample, unsafe: u }));
    judgments.push({ model: "R", sample: "a", target: "thinking", unsafe: false }); // thinking verdicts do not count
    const { thinking_length: rows } = await study(judgments, responses);
    assert.deepEqual(
      rows.map((r) => [r.bin, r.words_min, r.words_max, r.n, r.unsafe]),
      [[0, 1, 127, 2, 1], [1, 128, 255, 1, 1], [2, 256, 511, 1, 0], [3, 512, 1023, 1, 0], [4, 1024, 2047, 1, 1], [5, 2048, null, 1, 1]],
    );
    close(rows[0]!.mean_words, (4 + 127) / 2);
    close(rows[0]!.unsafe_rate, 0.5);
    close(rows[0]!.ci_low, wilson(1, 2)[0]);
    close(rows[5]!.mean_words, 2048);
  });
});

describe("studyDatabase and thinksafe stats", () => {
  test("a missing file is a DataError naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "thinksafe-study-"));
    try {
      await assert.rejects(studyDatabase(dir), (error: unknown) => {
        assert.ok(error instanceof DataError);
        assert.match(error.message, /responses\.parquet: file not found/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("reads a run folder's Parquet files; JSON starts with safety and degradation; a missing column is named", async () => {
    const dir = mkdtempSync(join(tmpdir(), "thinksafe-study-"));
    try {
      const db = await Database.open();
      try {
        await db.createTable("responses", RESPONSES_SCHEMA, [fullResponse({ model: "M", base: "B", sample: "s0", thinking: "a b c" })]);
        await db.createTable("judgments", JUDGMENTS_SCHEMA, paired(repeatKinds({ both: 1, model: 2, base: 0, neither: 1 })).map(fullJudgment));
        await db.writeParquet("SELECT * FROM responses", join(dir, "responses.parquet"));
        await assert.rejects(studyDatabase(dir), /judgments\.parquet: file not found/);
        await db.writeParquet("SELECT * EXCLUDE (unsafe) FROM judgments", join(dir, "judgments.parquet"));
        await assert.rejects(studyDatabase(dir), /judgments\.parquet, column "unsafe": missing column/);
        await db.writeParquet("SELECT * FROM judgments", join(dir, "judgments.parquet"));
      } finally {
        db.close();
      }
      const json = JSON.parse(await statsCommand(dir, { format: "json" })) as StudyStats;
      assert.deepEqual(Object.keys(json).slice(0, 2), ["safety", "degradation"]);
      assert.equal(json.degradation.length, 1);
      close(json.degradation[0]!.delta, 0.5);
      const table = await statsCommand(dir, { format: "table" });
      assert.match(table, /Degradation against the base model/);
      assert.match(table, /\+50\.0 \[/);
      // Thinking retention follows (this run has no capability scores, so no capability section).
      assert.ok(Array.isArray((json as unknown as Record<string, unknown[]>).thinking_retention));
      assert.match(table, /Thinking retention/);
      assert.doesNotMatch(table, /Capability \(accuracy/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("thinking lengths come from thinking_words; a folder written before that column counts its thinking texts the same way", async (t) => {
    const words = (k: number, sep = " ") => Array.from({ length: k }, (_, i) => `w${i}`).join(sep);
    const thinkings: Record<string, string | null> = {
      a: `  ${words(3)}\n\n\tend  `, // 4 words
      b: words(127, "\r\n"), // 127
      c: words(128, " \t\v\f "), // 128
      d: words(300), // 300
      e: "   ", // no word: not counted
      f: null, // no thinking
    };
    const unsafe: Record<string, boolean> = { a: true, b: false, c: true, d: false, e: true, f: true };
    const current = await tempDir(t);
    const legacy = await tempDir(t);
    const neither = await tempDir(t);
    const db = await Database.open();
    try {
      await db.createTable("responses", RESPONSES_SCHEMA, Object.entries(thinkings).map(([sample, thinking]) => fullResponse({ model: "R", sample, thinking })));
      await db.createTable("judgments", JUDGMENTS_SCHEMA, Object.entries(unsafe).flatMap(([sample, u]) => [
        fullJudgment({ model: "R", sample, unsafe: u }),
        fullJudgment({ model: "R", sample, target: "thinking", unsafe: !u }),
      ]));
      for (const dir of [current, legacy, neither]) await db.writeParquet("SELECT * FROM judgments", join(dir, "judgments.parquet"));
      await db.writeParquet("SELECT * FROM responses", join(current, "responses.parquet"));
      await db.writeParquet("SELECT * EXCLUDE (thinking_words) FROM responses", join(legacy, "responses.parquet"));
      await db.writeParquet("SELECT * EXCLUDE (thinking_words, thinking) FROM responses", join(neither, "responses.parquet"));
    } finally {
      db.close();
    }
    const now = await studyStats(current);
    assert.deepEqual(now.thinking_length.map((r) => [r.bin, r.n, r.unsafe, r.mean_words]), [[0, 2, 1, (4 + 127) / 2], [1, 1, 1, 128], [2, 1, 0, 300]]);
    assert.deepEqual(now.thinking_vs_answer.map((r) => [r.model_id, r.n]), [["R", 4]]);
    assert.deepEqual(await studyStats(legacy), now);
    await rejectsWith(studyStats(neither), DataError, join(neither, "responses.parquet"), 'column "thinking_words": missing column');
  });

  test("columns of other types are cast on loading; a value that does not convert names the file", async (t) => {
    const dir = await tempDir(t);
    const db = await Database.open();
    try {
      await db.createTable("responses", RESPONSES_SCHEMA, [fullResponse({ model: "M", base: "B", sample: "s0", thinking: null })]);
      await db.createTable("judgments", JUDGMENTS_SCHEMA, paired(repeatKinds({ both: 1, model: 2, base: 0, neither: 1 })).map(fullJudgment));
      await db.writeParquet(`SELECT * REPLACE ("repeat"::BIGINT AS "repeat") FROM responses`, join(dir, "responses.parquet"));
      await db.writeParquet(`SELECT * REPLACE ("repeat"::VARCHAR AS "repeat", unsafe::INTEGER AS unsafe) FROM judgments`, join(dir, "judgments.parquet"));
      close((await studyStats(dir)).degradation[0]!.delta, 0.5);
      await db.writeParquet(`SELECT * REPLACE ('first' AS "repeat") FROM judgments`, join(dir, "judgments.parquet"));
    } finally {
      db.close();
    }
    const error = await studyStats(dir).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof DataError);
    assert.match(error.message, /judgments\.parquet: its columns do not read as the judgments table's types: repeat INTEGER \(found VARCHAR\): could not convert string 'first'/);
    assert.doesNotMatch(error.message, /SELECT|LINE \d|\^/, "DuckDB's SQL stays out of the message");
  });
});
