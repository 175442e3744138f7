// Unit tests for the DuckDB statistics: the shared macros, judge_agreement.sql, fleiss_kappa.sql
// and deterministic Parquet output. Every expected number is worked out by hand in the comment
// beside it (z = 1.959963984540054, z² = 3.841458820694125), never taken from the code under test.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Database, type Cell } from "../duckdb/database.ts";
import { materialize, openStatisticsDatabase } from "./sql-files.ts";

const Z = 1.959963984540054;

/** Asserts |actual − expected| ≤ tol; `actual` may be a JSON number or a numeric string. */
function close(actual: unknown, expected: number, tol = 1e-9): void {
  const value = num(actual);
  assert.ok(Math.abs(value - expected) <= tol, `expected ${expected} ± ${tol}, got ${value}`);
}

/** A JSON cell as a number (DuckDB BIGINTs arrive as strings). */
function num(value: unknown): number {
  assert.ok(typeof value === "number" || typeof value === "string", `expected a number, got ${String(value)}`);
  const n = Number(value);
  assert.ok(Number.isFinite(n), `expected a number, got ${String(value)}`);
  return n;
}

/** Opens a database, runs `body`, and always closes it. */
async function withDb<T>(body: (db: Database) => Promise<T>): Promise<T> {
  const db = await openStatisticsDatabase();
  try {
    return await body(db);
  } finally {
    db.close();
  }
}

/** The single row of a query. */
async function one(db: Database, sql: string): Promise<Record<string, unknown>> {
  const rows = await db.rows(sql);
  assert.equal(rows.length, 1, `expected one row from: ${sql}`);
  return rows[0]!;
}

// ---------------------------------------------------------------------------------------------
// Macros
// ---------------------------------------------------------------------------------------------

describe("wilson_low / wilson_high", () => {
  // Wilson: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n).
  test("k = 8, n = 10 gives the textbook interval [0.4902, 0.9433]", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT wilson_low(8, 10) AS lo, wilson_high(8, 10) AS hi");
      // centre = 0.8 + 3.841458820694125/20 = 0.99207294103470625
      // half   = z·sqrt(0.8·0.2/10 + 3.841458820694125/400) = z·sqrt(0.0256036470517353) = 0.31361657451229797
      // denom  = 1 + 0.3841458820694125 = 1.3841458820694125
      close(row.lo, 0.49016247153664174); // (0.99207294103470625 − 0.31361657451229797) / 1.3841458820694125
      close(row.hi, 0.94331784854562474); // (0.99207294103470625 + 0.31361657451229797) / 1.3841458820694125
      close(row.lo, 0.4902, 1e-4); // the rounded textbook values
      close(row.hi, 0.9433, 1e-4);
    });
  });

  test("k = 0 has lower bound 0 and upper bound z²/(n + z²)", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT wilson_low(0, 10) AS lo, wilson_high(0, 10) AS hi");
      // p = 0: centre = half = z²/20, so low = 0 and high = (z²/10)/(1 + z²/10) = z²/(10 + z²)
      close(row.lo, 0);
      close(row.hi, 0.27753279986288920); // 3.841458820694125 / 13.841458820694125
    });
  });

  test("k = n has upper bound 1 and lower bound n/(n + z²)", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT wilson_low(10, 10) AS lo, wilson_high(10, 10) AS hi");
      // p = 1: centre = 1 + z²/20, half = z²/20, so low = 1/(1 + z²/10) = 10/(10 + z²) and high = 1
      close(row.lo, 0.72246720013711080); // 10 / 13.841458820694125
      close(row.hi, 1);
    });
  });

  test("n = 0 gives NULL for both bounds", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT wilson_low(0, 0) AS lo, wilson_high(0, 0) AS hi");
      assert.equal(row.lo, null);
      assert.equal(row.hi, null);
    });
  });
});

describe("cohen_kappa", () => {
  // κ = (po − pe)/(1 − pe), po = (a + d)/N, pe = ((a+b)(a+c) + (c+d)(b+d))/N².
  test("a=20, b=5, c=10, d=15 gives κ = 0.4", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa(20, 5, 10, 15) AS k");
      // N = 50, po = 35/50 = 0.7, pe = (25·30 + 25·20)/2500 = 1250/2500 = 0.5, κ = 0.2/0.5 = 0.4
      close(row.k, 0.4);
    });
  });

  test("perfect agreement gives κ = 1", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa(10, 0, 0, 10) AS k");
      // po = 20/20 = 1, pe = (10·10 + 10·10)/400 = 0.5, κ = 0.5/0.5 = 1
      close(row.k, 1);
    });
  });

  test("a rater that agrees only by chance gives κ = 0", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa(5, 5, 0, 0) AS k");
      // rater always positive, reference 5/10 positive: po = 5/10 = 0.5, pe = (10·5 + 0·5)/100 = 0.5, κ = 0
      close(row.k, 0);
    });
  });

  test("perfect disagreement with balanced margins gives κ = −1", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa(0, 5, 5, 0) AS k");
      // po = 0, pe = (5·5 + 5·5)/100 = 0.5, κ = −0.5/0.5 = −1
      close(row.k, -1);
    });
  });

  test("perfect disagreement with unbalanced margins gives κ = −pe/(1 − pe) > −1", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa(0, 3, 7, 0) AS k");
      // po = 0, pe = (3·7 + 7·3)/100 = 0.42, κ = −0.42/0.58 = −21/29
      close(row.k, -21 / 29);
    });
  });

  test("both raters constant and equal (pe = 1) gives NULL", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa(10, 0, 0, 0) AS pos, cohen_kappa(0, 0, 0, 7) AS neg");
      // pe = (10·10 + 0·0)/100 = 1 and pe = (0·0 + 7·7)/49 = 1: kappa is 0/0
      assert.equal(row.pos, null);
      assert.equal(row.neg, null);
    });
  });

  test("an empty table (N = 0) gives NULL", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa(0, 0, 0, 0) AS k");
      assert.equal(row.k, null);
    });
  });
});

describe("cohen_kappa_se", () => {
  test("matches the Fleiss–Cohen–Everitt (1969) large-sample formula for a=20, b=5, c=10, d=15", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa_se(20, 5, 10, 15) AS se");
      // Var κ = (A + B − C) / (N (1 − pe)²), with proportions p11 = 0.4, p12 = 0.1, p21 = 0.2,
      // p22 = 0.3, rater margins p1. = 0.5, p2. = 0.5, reference margins p.1 = 0.6, p.2 = 0.4,
      // κ = 0.4, 1 − κ = 0.6, pe = 0.5:
      // A = p11 (1 − (p1. + p.1)(1 − κ))² + p22 (1 − (p2. + p.2)(1 − κ))²
      //   = 0.4 (1 − 1.1·0.6)² + 0.3 (1 − 0.9·0.6)² = 0.4·0.1156 + 0.3·0.2116 = 0.10972
      // B = (1 − κ)² [p12 (p.1 + p2.)² + p21 (p.2 + p1.)²] = 0.36 [0.1·1.21 + 0.2·0.81] = 0.36·0.283 = 0.10188
      // C = (κ − pe (1 − κ))² = (0.4 − 0.3)² = 0.01
      // Var = (0.10972 + 0.10188 − 0.01) / (50·0.25) = 0.2016/12.5 = 0.016128, SE = sqrt(0.016128)
      close(row.se, 0.12699606293110035);
    });
  });

  test("is 0 for perfect agreement", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT cohen_kappa_se(10, 0, 0, 10) AS se");
      // κ = 1: A = 0.5·1² + 0.5·1² = 1, B = 0, C = (1 − 0.5·0)² = 1, so A + B − C = 0
      close(row.se, 0);
    });
  });
});

describe("bootstrap_pick", () => {
  test("returns integers in [0, n)", async () => {
    await withDb(async (db) => {
      const row = await one(
        db,
        `SELECT count(*) AS draws,
                count(*) FILTER (WHERE p < 0 OR p >= 7) AS out_of_range,
                min(p) AS lo, max(p) AS hi, typeof(any_value(p)) AS type
         FROM (SELECT bootstrap_pick(42, b, k, 7) AS p FROM range(1, 101) AS r(b), range(0, 50) AS s(k))`,
      );
      assert.equal(num(row.draws), 5000);
      assert.equal(num(row.out_of_range), 0);
      assert.equal(num(row.lo), 0); // 5,000 draws over 7 slots: both ends are hit
      assert.equal(num(row.hi), 6);
      assert.equal(row.type, "BIGINT");
    });
  });

  test("is deterministic: the same arguments give the same slot, in separate databases", async () => {
    const query = `SELECT list(bootstrap_pick(20240401, b, k, 300) ORDER BY b, k) AS picks
                   FROM range(1, 21) AS r(b), range(0, 20) AS s(k)`;
    const first = await withDb(async (db) => (await one(db, query)).picks);
    const second = await withDb(async (db) => (await one(db, query)).picks);
    assert.deepEqual(first, second);
  });

  test("different replicates draw different samples", async () => {
    await withDb(async (db) => {
      const row = await one(
        db,
        `SELECT count(*) AS replicates, count(DISTINCT picks) AS distinct_samples FROM (
           SELECT b, list(bootstrap_pick(20240401, b, k, 10) ORDER BY k) AS picks
           FROM range(1, 51) AS r(b), range(0, 10) AS s(k) GROUP BY b)`,
      );
      // 50 samples of 10 draws from 10 slots: 10^10 possible samples, so a repeat would mean a
      // broken generator (chance of any collision ≈ 1225/10^10).
      assert.equal(num(row.replicates), 50);
      assert.equal(num(row.distinct_samples), 50);
    });
  });

  test("spreads 20,000 draws evenly over 10 slots (each 8%–12%)", async () => {
    await withDb(async (db) => {
      const rows = await db.rows(
        `SELECT p, count(*) AS hits
         FROM (SELECT bootstrap_pick(20240401, b, k, 10) AS p FROM range(1, 2001) AS r(b), range(0, 10) AS s(k))
         GROUP BY p ORDER BY p`,
      );
      // Uniform: 2,000 per slot, SD = sqrt(20000·0.1·0.9) ≈ 42; the band 1,600–2,400 is ±9 SD.
      assert.deepEqual(rows.map((r) => num(r.p)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of rows) {
        const hits = num(r.hits);
        assert.ok(hits >= 1600 && hits <= 2400, `slot ${String(r.p)}: ${hits} of 20,000 draws`);
      }
      assert.equal(rows.reduce((sum, r) => sum + num(r.hits), 0), 20000);
    });
  });

  test("equals the documented 32-bit integer hash, computed independently", async () => {
    // mix32(x) = ((x >> 16) xor x) · 73244475 mod 2³², hash32(x) = (y >> 16) xor y with
    // y = mix32(mix32(x)); pick = hash32((hash32((seed·7919 + b) mod 2³²) + k) mod 2³²) mod n.
    const M = 2n ** 32n;
    const mix32 = (x: bigint) => (((x >> 16n) ^ x) * 73244475n) % M;
    const hash32 = (x: bigint) => {
      const y = mix32(mix32(x));
      return (y >> 16n) ^ y;
    };
    const pick = (seed: bigint, b: bigint, k: bigint, n: bigint) =>
      hash32((hash32((seed * 7919n + b) % M) + k) % M) % n;
    const cases: [number, number, number, number][] = [
      [20240401, 1, 0, 300],
      [20240401, 2000, 299, 300],
      [0, 0, 0, 10],
      [1, 2, 3, 10],
      [987654321, 17, 5, 1000003],
    ];
    await withDb(async (db) => {
      for (const [seed, b, k, n] of cases) {
        const row = await one(db, `SELECT bootstrap_pick(${seed}, ${b}, ${k}, ${n}) AS p`);
        assert.equal(BigInt(num(row.p)), pick(BigInt(seed), BigInt(b), BigInt(k), BigInt(n)), `(${seed}, ${b}, ${k}, ${n})`);
      }
    });
  });
});

describe("tango_low / tango_high", () => {
  // Reference bounds from src/stats/reference-values.py: the constrained MLE found numerically and
  // each bound by Brent's root finder (b = first member only, c = second only, n = pairs).
  const cases: [number, number, number, number, number][] = [
    [0, 0, 50, -0.07134759913335871, 0.07134759913335872],
    [5, 0, 50, 0.021517640953305422, 0.21360231437479654],
    [0, 5, 50, -0.21360231437479651, -0.021517640953305408],
    [12, 3, 40, 0.03888297155117572, 0.40180937699492836],
    // R's example scoreci.mp(b = 40, c = 20, n = 160) is the interval of (20 - 40)/160: the mirror.
    [40, 20, 160, 0.030864533133086722, 0.2180642441668248],
    [90, 50, 400, 0.042561875837432074, 0.15730592125590034],
    [1, 6, 10, -0.793180014838933, 0.020027027477445544],
    [7, 0, 7, 0.2913391298666252, 1],
    [0, 0, 10, -0.27753279986288926, 0.2775327998628892],
    [1234, 1400, 2644, -0.10063480035621615, -0.0247506968880268],
  ];
  test("match the reference bounds to 1e-12", async () => {
    await withDb(async (db) => {
      for (const [b, c, n, lo, hi] of cases) {
        const row = await one(db, `SELECT tango_low(${b}, ${c}, ${n}) AS lo, tango_high(${b}, ${c}, ${n}) AS hi`);
        close(row.lo, lo, 1e-12);
        close(row.hi, hi, 1e-12);
      }
    });
  });

  test("b = c = 0 gives ±z²/(n + z²); the interval holds the estimate; n = 0 gives NULL", async () => {
    await withDb(async (db) => {
      const row = await one(db, "SELECT tango_low(0, 0, 25) AS lo, tango_high(0, 0, 25) AS hi, tango_low(0, 0, 0) AS none");
      close(row.hi, (Z * Z) / (25 + Z * Z), 1e-12);
      close(row.lo, -(Z * Z) / (25 + Z * Z), 1e-12);
      assert.equal(row.none, null);
      const rows = await db.rows(
        `SELECT b, c, tango_low(b, c, 30) AS lo, tango_high(b, c, 30) AS hi FROM range(0, 31) AS s(b), range(0, 31) AS t(c) WHERE b + c <= 30`,
      );
      assert.equal(rows.length, 496);
      for (const r of rows) {
        const estimate = (num(r.b) - num(r.c)) / 30;
        assert.ok(num(r.lo) <= estimate && estimate <= num(r.hi) && num(r.lo) >= -1 && num(r.hi) <= 1, `(${String(r.b)}, ${String(r.c)}): [${String(r.lo)}, ${String(r.hi)}]`);
      }
    });
  });
});

describe("mcnemar_exact_p", () => {
  test("equals scipy's exact binomial test", async () => {
    // reference-values.py: scipy.stats.binomtest(min(b, c), b + c, 0.5).
    const cases: [number, number, number][] = [[12, 3, 0.03515625], [0, 5, 0.0625], [90, 50, 0.000913112874001578], [1234, 1400, 0.0013002955633075735], [1, 6, 0.125], [5, 5, 1], [7, 0, 0.015625], [0, 0, 1]];
    await withDb(async (db) => {
      for (const [b, c, p] of cases) close((await one(db, `SELECT mcnemar_exact_p(${b}, ${c}) AS p`)).p, p, Math.max(1e-15, p * 1e-10));
    });
  });
});

describe("normal_tail", () => {
  test("is within 1e-8 of scipy's normal survival function, relatively", async () => {
    // reference-values.py: scipy.stats.norm.sf.
    const cases: [number, number][] = [
      [0, 0.5], [0.5, 0.3085375387259869], [1.959963984540054, 0.025], [3, 0.0013498980316300933], [6, 9.865876450376946e-10],
      [7.5, 3.1908916729108844e-14], [8.5, 9.47953482220325e-18], [12, 1.776482112077653e-33], [30, 4.906713927147908e-198],
    ];
    await withDb(async (db) => {
      for (const [x, p] of cases) {
        const row = await one(db, `SELECT normal_tail(${x}) AS p, normal_tail(-${x}) AS q`);
        assert.ok(Math.abs(num(row.p) / p - 1) < 1e-8, `P[Z > ${x}] = ${String(row.p)}, scipy ${p}`);
        assert.equal(row.q, row.p, "symmetric");
      }
    });
  });
});

describe("effective_n and item_wilson_low / item_wilson_high", () => {
  test("whole shares give the items and the plain Wilson interval; fractional ones the effective sample size", async () => {
    await withDb(async (db) => {
      // 3 of 10 items unsafe, every share 0 or 1.
      const whole = await one(db, "SELECT effective_n(10, 40, 3, 3, 0) AS n, item_wilson_low(10, 40, 3, 3, 0) AS lo, item_wilson_high(10, 40, 3, 3, 0) AS hi");
      assert.equal(num(whole.n), 10);
      close(whole.lo, 0.10779126740630099); // Wilson(3, 10) by the formula in Python
      close(whole.hi, 0.6032218525388546);
      // Shares 0, 1/4, 1, 1/2, 0, 0, 3/4, 1, 1/4, 0 (reference-values.py: "item Wilson").
      const shares = [0, 1, 4, 2, 0, 0, 3, 4, 1, 0].map((k) => k / 4);
      const sum = shares.reduce((a, b) => a + b, 0);
      const sum2 = shares.reduce((a, b) => a + b * b, 0);
      const row = await one(db, `SELECT effective_n(10, 40, ${sum}, ${sum2}, 6) AS n, item_wilson_low(10, 40, ${sum}, ${sum2}, 6) AS lo, item_wilson_high(10, 40, ${sum}, ${sum2}, 6) AS hi`);
      close(row.n, 15.306122448979592);
      close(row.lo, 0.181788965911326);
      close(row.hi, 0.618366961965297);
      // Every share the same fraction: no variance between items, so the cap (the responses) applies.
      close((await one(db, "SELECT effective_n(4, 12, 2, 1, 4) AS n")).n, 12);
    });
  });
});

describe("exact_sum", () => {
  test("gives the same digits in every order; whole numbers exactly", async () => {
    await withDb(async (db) => {
      const values = Array.from({ length: 200 }, (_, i) => `(${i}, ${((i * 37) % 101) / 7})`).join(", ");
      const row = await one(
        db,
        `SELECT (SELECT exact_sum(x) FROM (SELECT * FROM (VALUES ${values}) AS t(i, x) ORDER BY i)) AS up,
                (SELECT exact_sum(x) FROM (SELECT * FROM (VALUES ${values}) AS t(i, x) ORDER BY i DESC)) AS down,
                (SELECT exact_sum(x::DOUBLE) FROM range(0, 1000) AS t(x)) AS whole`,
      );
      assert.equal(row.up, row.down);
      assert.equal(num(row.whole), 499500);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// judge_agreement.sql
// ---------------------------------------------------------------------------------------------

const VERDICTS_SCHEMA = {
  item_index: "INTEGER",
  judge: "VARCHAR",
  judge_kind: "VARCHAR",
  is_jailbroken: "BOOLEAN",
  human_majority: "BOOLEAN",
} as const;

/** Verdict rows for one judge from [judge says jailbroken, humans say jailbroken] pairs. */
function verdicts(judge: string, kind: string, pairs: readonly [boolean, boolean][]): Cell[][] {
  return pairs.map(([isJailbroken, humanMajority], i) => [i, judge, kind, isJailbroken, humanMajority]);
}

/** Repeats a [judge, humans] pair `times` times. */
function times(count: number, pair: [boolean, boolean]): [boolean, boolean][] {
  return Array.from({ length: count }, () => pair);
}

async function judgeAgreement(db: Database, rows: Cell[][]): Promise<Record<string, unknown>[]> {
  await db.createTable("judge_verdicts", VERDICTS_SCHEMA, rows);
  await materialize(db, "judge_agreement");
  return db.rows("SELECT * FROM judge_agreement");
}

const TP: [boolean, boolean] = [true, true];
const FP: [boolean, boolean] = [true, false];
const TN: [boolean, boolean] = [false, false];
const FN: [boolean, boolean] = [false, true];

describe("judge_agreement.sql", () => {
  test("counts, rates, intervals and kappa for tp=4, fp=1, tn=3, fn=2", async () => {
    await withDb(async (db) => {
      const rows = await judgeAgreement(
        db,
        verdicts("keywords", "live", [...times(4, TP), ...times(1, FP), ...times(3, TN), ...times(2, FN)]),
      );
      assert.equal(rows.length, 1);
      const r = rows[0]!;
      assert.equal(r.judge, "keywords");
      assert.equal(r.judge_kind, "live");
      assert.deepEqual([r.n, r.tp, r.fp, r.tn, r.fn], [10, 4, 1, 3, 2]);

      close(r.agreement, 70); // (4 + 3)/10 = 70%
      // Wilson(7, 10): centre = 0.7 + z²/20 = 0.89207294103470625, half = z·sqrt(0.021 + z²/400)
      // = 0.34287410213123179, denom = 1.3841458820694125
      close(r.agreement_ci_low, 39.677814746114535); // 100 · (0.892072941 − 0.342874102)/1.384145882
      close(r.agreement_ci_high, 89.220873259369897); // 100 · (0.892072941 + 0.342874102)/1.384145882

      close(r.fpr, 25); // fp/(fp + tn) = 1/4
      // Wilson(1, 4): centre = 0.25 + z²/8 = 0.73018235258676563, half = z·sqrt(0.046875 + z²/64)
      // = 0.64081469548988810, denom = 1 + z²/4 = 1.9603647051735313
      close(r.fpr_ci_low, 4.5587260809700566);
      close(r.fpr_ci_high, 69.935815741759808);

      close(r.fnr, 100 / 3); // fn/(fn + tp) = 2/6
      // Wilson(2, 6): centre = 1/3 + z²/12 = 0.65345490172451042, half = z·sqrt((2/9)/6 + z²/144)
      // = 0.49472625882151030, denom = 1 + z²/6 = 1.6402431367823542
      close(r.fnr_ci_low, 9.6771411105780481);
      close(r.fnr_ci_high, 70.000668486160796);

      // The same table as cohen_kappa(20, 5, 10, 15) divided by 5: κ = 0.4, and by the
      // Fleiss–Cohen–Everitt formula above Var = 0.2016/(10·0.25) = 0.08064, SE = 0.28397182958878157.
      close(r.kappa, 0.4);
      close(r.kappa_ci_low, -0.15657455861795753); // 0.4 − z·0.28397182958878157
      close(r.kappa_ci_high, 0.95657455861795753); // 0.4 + z·0.28397182958878157
    });
  });

  test("no positives in the human majority: FNR and its interval NULL, FPR defined, κ = 0", async () => {
    await withDb(async (db) => {
      const [r] = await judgeAgreement(db, verdicts("judge", "recorded", [...times(1, FP), ...times(3, TN)]));
      assert.ok(r);
      assert.deepEqual([r.n, r.tp, r.fp, r.tn, r.fn], [4, 0, 1, 3, 0]);
      close(r.agreement, 75); // 3/4
      assert.equal(r.fnr, null);
      assert.equal(r.fnr_ci_low, null);
      assert.equal(r.fnr_ci_high, null);
      close(r.fpr, 25); // 1/4
      close(r.fpr_ci_low, 4.5587260809700566); // Wilson(1, 4), worked out above
      close(r.fpr_ci_high, 69.935815741759808);
      // po = 3/4, pe = (1·0 + 3·4)/16 = 3/4, κ = 0. With the reference constant κ is 0 whatever the
      // judge says: A = 0.75 (1 − 1.75)² = 0.421875, B = 0.25·0.75² = 0.140625, C = 0.75² = 0.5625,
      // A + B − C = 0, so the interval is [0, 0] (up to rounding inside the square root).
      close(r.kappa, 0);
      close(r.kappa_ci_low, 0, 1e-6);
      close(r.kappa_ci_high, 0, 1e-6);
    });
  });

  test("no negatives in the human majority: FPR and its interval NULL, FNR defined", async () => {
    await withDb(async (db) => {
      const [r] = await judgeAgreement(db, verdicts("judge", "recorded", [...times(3, TP), ...times(1, FN)]));
      assert.ok(r);
      assert.deepEqual([r.n, r.tp, r.fp, r.tn, r.fn], [4, 3, 0, 0, 1]);
      close(r.agreement, 75); // 3/4
      assert.equal(r.fpr, null);
      assert.equal(r.fpr_ci_low, null);
      assert.equal(r.fpr_ci_high, null);
      close(r.fnr, 25); // 1/4
      close(r.fnr_ci_low, 4.5587260809700566); // Wilson(1, 4)
      close(r.fnr_ci_high, 69.935815741759808);
      close(r.kappa, 0); // po = 3/4, pe = (3·4 + 1·0)/16 = 3/4
    });
  });

  test("perfect agreement: agreement 100, FPR = FNR = 0, κ = 1 with interval [1, 1]", async () => {
    await withDb(async (db) => {
      const [r] = await judgeAgreement(db, verdicts("judge", "live", [...times(2, TP), ...times(3, TN)]));
      assert.ok(r);
      assert.deepEqual([r.n, r.tp, r.fp, r.tn, r.fn], [5, 2, 0, 3, 0]);
      close(r.agreement, 100);
      close(r.agreement_ci_low, 56.551753521682524); // Wilson(5, 5) low = 5/(5 + z²) = 5/8.841458820694125
      close(r.agreement_ci_high, 100);
      close(r.fpr, 0);
      close(r.fnr, 0);
      close(r.kappa, 1); // po = 1, pe = (2·2 + 3·3)/25 = 13/25
      close(r.kappa_ci_low, 1); // SE = 0 (see cohen_kappa_se)
      close(r.kappa_ci_high, 1);
    });
  });

  test("judge and humans both always 'jailbroken': κ and its interval NULL", async () => {
    await withDb(async (db) => {
      const [r] = await judgeAgreement(db, verdicts("judge", "live", times(4, TP)));
      assert.ok(r);
      assert.deepEqual([r.n, r.tp, r.fp, r.tn, r.fn], [4, 4, 0, 0, 0]);
      close(r.agreement, 100);
      assert.equal(r.fpr, null); // no human negatives
      close(r.fnr, 0);
      // pe = (4·4 + 0·0)/16 = 1: kappa is undefined, and so is any interval around it
      assert.equal(r.kappa, null);
      assert.equal(r.kappa_ci_low, null);
      assert.equal(r.kappa_ci_high, null);
    });
  });

  test("empty input gives zero rows", async () => {
    await withDb(async (db) => {
      assert.deepEqual(await judgeAgreement(db, []), []);
    });
  });

  test("one row per judge: live, then recorded, then human, alphabetical within a kind", async () => {
    await withDb(async (db) => {
      const pairs = [TP, FP, TN, FN];
      const rows = await judgeAgreement(db, [
        ...verdicts("human2", "human", pairs),
        ...verdicts("llama3_cf", "recorded", pairs),
        ...verdicts("human1", "human", pairs),
        ...verdicts("zeta", "live", pairs),
        ...verdicts("gpt4_cf", "recorded", pairs),
        ...verdicts("alpha", "live", pairs),
        ...verdicts("harmbench_cf", "recorded", pairs),
      ]);
      assert.deepEqual(
        rows.map((r) => [r.judge_kind, r.judge, r.n]),
        [
          ["live", "alpha", 4],
          ["live", "zeta", 4],
          ["recorded", "gpt4_cf", 4],
          ["recorded", "harmbench_cf", 4],
          ["recorded", "llama3_cf", 4],
          ["human", "human1", 4],
          ["human", "human2", 4],
        ],
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// fleiss_kappa.sql
// ---------------------------------------------------------------------------------------------

/** human_labels rows: item i gets the labels in `items[i]`, from annotators h1, h2, … */
function labels(items: readonly (readonly boolean[])[]): Cell[][] {
  return items.flatMap((item, i) => item.map((label, j): Cell[] => [i, `h${j + 1}`, label]));
}

async function fleissKappa(db: Database, rows: Cell[][]): Promise<Record<string, unknown>[]> {
  await db.createTable("human_labels", { item_index: "INTEGER", annotator: "VARCHAR", is_jailbroken: "BOOLEAN" }, rows);
  await materialize(db, "fleiss_kappa");
  return db.rows("SELECT * FROM fleiss_kappa");
}

const T = true;
const F = false;

describe("fleiss_kappa.sql", () => {
  test("4 items × 3 raters: Fleiss' kappa 23/35 and unanimity 75%", async () => {
    await withDb(async (db) => {
      const rows = await fleissKappa(
        db,
        labels([
          [T, T, T], // 3 positive
          [F, F, F], // 0 positive
          [T, T, F], // 2 positive
          [F, F, F], // 0 positive
        ]),
      );
      assert.equal(rows.length, 1);
      const r = rows[0]!;
      assert.equal(r.n_items, 4);
      assert.equal(r.n_raters, 3);
      // P_i = (pos² + neg² − m)/(m(m − 1)), m = 3: (9+0−3)/6 = 1, (0+9−3)/6 = 1, (4+1−3)/6 = 1/3, 1
      // P̄ = (1 + 1 + 1/3 + 1)/4 = 5/6
      // p_jailbroken = 5/12, p_not = 7/12, P̄e = 25/144 + 49/144 = 37/72
      // κ = (5/6 − 37/72)/(1 − 37/72) = (23/72)/(35/72) = 23/35
      close(r.fleiss_kappa, 23 / 35);
      close(r.unanimity, 75); // items 1, 2 and 4 of 4
      // Wilson(3, 4): centre = 0.75 + z²/8 = 1.2301823525867656, half = 0.64081469548988810,
      // denom = 1.9603647051735313
      close(r.unanimity_ci_low, 30.064184258240192);
      close(r.unanimity_ci_high, 95.441273919029943);
      assert.equal(r.bootstrap_replicates, 2000);
      assert.equal(r.bootstrap_seed, 20240401);
      const lo = num(r.fleiss_kappa_ci_low);
      const hi = num(r.fleiss_kappa_ci_high);
      assert.ok(-1 <= lo && lo <= hi && hi <= 1, `interval [${lo}, ${hi}]`);
    });
  });

  test("items with fewer than two labels are left out", async () => {
    await withDb(async (db) => {
      const rows = await fleissKappa(db, [
        ...labels([
          [T, T, T],
          [F, F, F],
          [T, T, F],
          [F, F, F],
        ]),
        [99, "h1", true], // a single label: no pair to agree or disagree
      ]);
      const [r] = rows;
      assert.ok(r);
      assert.equal(r.n_items, 4);
      close(r.fleiss_kappa, 23 / 35); // as above
    });
  });

  test("perfect agreement with both labels present: κ = 1 with interval [1, 1]", async () => {
    await withDb(async (db) => {
      const [r] = await fleissKappa(
        db,
        labels([
          [T, T, T],
          [F, F, F],
          [T, T, T],
          [F, F, F],
        ]),
      );
      assert.ok(r);
      // P̄ = 1, p = 1/2, P̄e = 1/2, κ = (1 − 1/2)/(1 − 1/2) = 1. Every resample also has P̄ = 1, so
      // κ = 1 wherever it is defined (resamples of one label only have κ undefined and are dropped).
      close(r.fleiss_kappa, 1);
      close(r.fleiss_kappa_ci_low, 1);
      close(r.fleiss_kappa_ci_high, 1);
      close(r.unanimity, 100);
    });
  });

  test("every rater always gives the same single label: κ and its interval NULL", async () => {
    await withDb(async (db) => {
      const [r] = await fleissKappa(
        db,
        labels([
          [F, F, F],
          [F, F, F],
          [F, F, F],
        ]),
      );
      assert.ok(r);
      // p = 0, P̄e = 0² + 1² = 1: kappa is 0/0
      assert.equal(r.fleiss_kappa, null);
      assert.equal(r.fleiss_kappa_ci_low, null);
      assert.equal(r.fleiss_kappa_ci_high, null);
      close(r.unanimity, 100);
    });
  });

  test("empty input gives zero rows", async () => {
    await withDb(async (db) => {
      assert.deepEqual(await fleissKappa(db, []), []);
    });
  });

  test("the bootstrap interval is the same on every run", async () => {
    const rows = labels([
      [T, T, T],
      [F, F, F],
      [T, T, F],
      [F, F, F],
      [T, F, F],
      [T, T, T],
      [F, T, F],
      [F, F, F],
    ]);
    const interval = async () =>
      withDb(async (db) => {
        const [r] = await fleissKappa(db, rows);
        assert.ok(r);
        return [num(r.fleiss_kappa_ci_low), num(r.fleiss_kappa_ci_high)];
      });
    const first = await interval();
    const second = await interval();
    assert.deepEqual(first, second);
  });
});

// ---------------------------------------------------------------------------------------------
// Parquet
// ---------------------------------------------------------------------------------------------

describe("writeParquet", () => {
  const query = `SELECT i AS item_index, 'judge ' || i AS judge, i % 3 = 0 AS is_jailbroken, i / 7 AS share
                 FROM range(1000) AS t(i) ORDER BY i`;
  const metadata = { "thinksafe.table": "example", "thinksafe.note": "it's κ-safe: quotes and UTF-8", "thinksafe.judges": [{ id: "a", version: "x@1,2" }] };

  test("the same query and metadata give byte-identical files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stats-test-"));
    try {
      const a = join(dir, "a.parquet");
      const b = join(dir, "b.parquet");
      await withDb((db) => db.writeParquet(query, a, metadata));
      await withDb((db) => db.writeParquet(query, b, metadata));
      const bytesA = readFileSync(a);
      const bytesB = readFileSync(b);
      assert.ok(bytesA.length > 0);
      assert.ok(bytesA.equals(bytesB), "the two Parquet files differ");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("stores the metadata as key/value pairs in the file, each value one JSON document", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stats-test-"));
    try {
      const file = join(dir, "meta.parquet");
      await withDb(async (db) => {
        await db.writeParquet(query, file, metadata);
        // key and value are BLOBs: decode() reads them back as UTF-8 text.
        const decoded = await db.rows(
          `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${file}') ORDER BY key`,
        );
        const found = Object.fromEntries(decoded.map((r) => [r.key, r.value]));
        for (const [key, value] of Object.entries(metadata)) assert.deepEqual(JSON.parse(String(found[key])), value, key);
        assert.equal(found["thinksafe.table"], '"example"', "strings are JSON strings too, so every value parses alike");
        const rowCount = await one(db, `SELECT count(*) AS n FROM read_parquet('${file}')`);
        assert.equal(num(rowCount.n), 1000);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
