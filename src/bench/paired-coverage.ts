// `npm run coverage:paired`: how often the paired interval of degradation.sql covers the true
// difference, measured with the very SQL macros the study runs (tango_low / tango_high in
// src/stats/macros.sql).
//
// Binary pairs, exactly: for n pairs whose two members are unsafe with probabilities p_base and
// p_model and correlated with coefficient rho, the counts (b, c, rest) are Multinomial(n; p_b, p_c,
// 1 - p_b - p_c) with p_11 = p_model p_base + rho sqrt(p_model (1 - p_model) p_base (1 - p_base)),
// p_b = p_model - p_11, p_c = p_base - p_11. Coverage = the sum, over every (b, c) with
// b + c <= n, of its probability when Tango's interval of (b, c, n) holds p_model - p_base: exact,
// no simulation. The grid is issue 11's: n = 50, 100, 500; 0.2 -> 0.35 and 0.02 -> 0.07; rho = 0 and
// 0.5. Every cell must reach 0.94 (the exit code is 1 otherwise).
//
// Repeats, by simulation (--simulations, default 20,000 per cell; reported, no bar): each item has
// its own unsafe probabilities for the model and the base (uniform on [0, 2 x the cell's mean],
// coupled through a Gaussian copula with correlation rho), both answer it --repeats times (default
// 5), and the design-effect scaled interval of degradation.sql is computed from the items' shares.
// The truth is the difference of the means.
import { parseArgs } from "node:util";
import { openStatisticsDatabase } from "../stats/sql-files.ts";

const { values } = parseArgs({ options: { simulations: { type: "string", default: "20000" }, repeats: { type: "string", default: "5" }, seed: { type: "string", default: "20250506" } } });
const simulations = Number(values.simulations);
const repeats = Number(values.repeats);
if (!Number.isInteger(simulations) || simulations < 0) throw new Error(`--simulations ${values.simulations}: expected a whole number`);
if (!Number.isInteger(repeats) || repeats < 2) throw new Error(`--repeats ${values.repeats}: expected a whole number from 2`);

const SIZES = [50, 100, 500];
const SCENARIOS: Array<{ base: number; model: number }> = [{ base: 0.2, model: 0.35 }, { base: 0.02, model: 0.07 }];
const CORRELATIONS = [0, 0.5];
const BAR = 0.94;

interface Cell {
  n: number;
  base: number;
  model: number;
  rho: number;
  coverage: number;
  below: number;
  above: number;
  width: number;
}

const db = await openStatisticsDatabase();
const exact: Cell[] = [];
const simulated: Cell[] = [];
try {
  const started = performance.now();
  for (const n of SIZES) {
    // Every possible table's interval, once per n.
    await db.connection.run(`CREATE OR REPLACE TABLE intervals AS
      SELECT b, c, tango_low(b, c, ${n}) AS lo, tango_high(b, c, ${n}) AS hi
      FROM range(0, ${n + 1}) AS s(b), range(0, ${n + 1}) AS t(c) WHERE b + c <= ${n}`);
    for (const { base, model } of SCENARIOS) {
      for (const rho of CORRELATIONS) {
        const p11 = model * base + rho * Math.sqrt(model * (1 - model) * base * (1 - base));
        const [pb, pc] = [model - p11, base - p11];
        const truth = model - base;
        const [row] = await db.rows(`
          WITH probabilities AS (
            SELECT lo, hi, exp(lgamma(${n} + 1) - lgamma(b + 1) - lgamma(c + 1) - lgamma(${n} - b - c + 1)
              + b * ln(${pb}) + c * ln(${pc}) + (${n} - b - c) * ln(${1 - pb - pc})) AS p
            FROM intervals
          )
          SELECT sum(p) FILTER (WHERE lo <= ${truth} AND ${truth} <= hi) AS coverage,
            sum(p) FILTER (WHERE hi < ${truth}) AS below, sum(p) FILTER (WHERE lo > ${truth}) AS above,
            sum(p * (hi - lo)) AS width, sum(p) AS total
          FROM probabilities`);
        const total = Number(row!.total);
        if (Math.abs(total - 1) > 1e-9) throw new Error(`n = ${n}: the probabilities sum to ${total}`);
        exact.push({ n, base, model, rho, coverage: Number(row!.coverage), below: Number(row!.below ?? 0), above: Number(row!.above ?? 0), width: Number(row!.width) });
      }
    }
  }
  const exactSeconds = (performance.now() - started) / 1000;

  const simulatedStarted = performance.now();
  if (simulations > 0) {
    const random = mulberry32(Number(values.seed));
    const rows: (number | string)[][] = [];
    for (const n of SIZES) {
      for (const { base, model } of SCENARIOS) {
        for (const rho of CORRELATIONS) {
          for (let s = 0; s < simulations; s++) rows.push([`${n}/${base}/${model}/${rho}`, ...simulate(random, n, repeats, model, base, rho)]);
        }
      }
    }
    await db.createTable(
      "simulations",
      { cell: "VARCHAR", n: "INTEGER", b: "DOUBLE", c: "DOUBLE", sum_d2: "DOUBLE", repeat_pairs: "INTEGER", n_fractional: "INTEGER" },
      rows as never,
    );
    const results = await db.rows(`
      WITH scaled AS (
        SELECT *, CASE WHEN n_fractional = 0 THEN 1.0 ELSE greatest(n::DOUBLE / repeat_pairs,
          (sum_d2 - (b - c) * (b - c) / n) / (b + c - (b - c) * (b - c) / n)) END AS deff
        FROM simulations
      ),
      intervals AS (
        SELECT cell, tango_low(b / deff, c / deff, n / deff) AS lo, tango_high(b / deff, c / deff, n / deff) AS hi FROM scaled
      )
      SELECT cell, avg((lo <= split_part(cell, '/', 3)::DOUBLE - split_part(cell, '/', 2)::DOUBLE
          AND split_part(cell, '/', 3)::DOUBLE - split_part(cell, '/', 2)::DOUBLE <= hi)::INTEGER) AS coverage,
        avg((hi < split_part(cell, '/', 3)::DOUBLE - split_part(cell, '/', 2)::DOUBLE)::INTEGER) AS below,
        avg((lo > split_part(cell, '/', 3)::DOUBLE - split_part(cell, '/', 2)::DOUBLE)::INTEGER) AS above,
        avg(hi - lo) AS width
      FROM intervals GROUP BY cell`);
    for (const n of SIZES) {
      for (const { base, model } of SCENARIOS) {
        for (const rho of CORRELATIONS) {
          const r = results.find((x) => x.cell === `${n}/${base}/${model}/${rho}`)!;
          simulated.push({ n, base, model, rho, coverage: Number(r.coverage), below: Number(r.below), above: Number(r.above), width: Number(r.width) });
        }
      }
    }
  }
  const simulatedSeconds = (performance.now() - simulatedStarted) / 1000;

  const table = (cells: Cell[]) =>
    [
      "    n  base -> model  rho  coverage  misses below  misses above  mean width",
      ...cells.map((c) =>
        `${String(c.n).padStart(5)}  ${c.base.toFixed(2)} -> ${c.model.toFixed(2)}  ${c.rho.toFixed(1)}  ${c.coverage.toFixed(4).padStart(8)}  ${c.below.toFixed(4).padStart(12)}  ${c.above.toFixed(4).padStart(12)}  ${c.width.toFixed(4).padStart(10)}`,
      ),
    ].join("\n");
  const failing = exact.filter((c) => c.coverage < BAR);
  process.stdout.write(
    [
      `Tango's score interval, binary pairs: exact coverage of the 95% interval (every table enumerated; ${exactSeconds.toFixed(1)} s)`,
      table(exact),
      `lowest ${Math.min(...exact.map((c) => c.coverage)).toFixed(4)}: ${failing.length ? `${failing.length} cell(s) below ${BAR}` : `every cell at least ${BAR}`}`,
      ...(simulations > 0
        ? [
            "",
            `Design-effect scaled interval, ${repeats} repeats per item that disagree: coverage over ${simulations.toLocaleString("en-US")} simulated runs per cell (Monte Carlo standard error about ${Math.sqrt((0.95 * 0.05) / simulations).toFixed(4)}; ${simulatedSeconds.toFixed(1)} s)`,
            table(simulated),
          ]
        : []),
      "",
    ].join("\n"),
  );
  if (failing.length) process.exitCode = 1;
} finally {
  db.close();
}

/** One simulated run's sufficient statistics for degradation.sql's interval: n, b, c, sum (x - y)², repeat pairs, fractional items. */
function simulate(random: () => number, n: number, r: number, model: number, base: number, rho: number): [number, number, number, number, number, number] {
  let b = 0;
  let c = 0;
  let sumD2 = 0;
  let fractional = 0;
  for (let i = 0; i < n; i++) {
    const z1 = normal(random);
    const z2 = rho * z1 + Math.sqrt(1 - rho * rho) * normal(random);
    // Uniform on [0, 2 mean]: the cell's mean, items that differ, a closed-form quantile.
    const pm = 2 * model * normalCdf(z1);
    const pb = 2 * base * normalCdf(z2);
    let km = 0;
    let kb = 0;
    for (let k = 0; k < r; k++) {
      if (random() < pm) km++;
      if (random() < pb) kb++;
    }
    const x = km / r;
    const y = kb / r;
    b += x * (1 - y);
    c += (1 - x) * y;
    sumD2 += (x - y) * (x - y);
    if ((x > 0 && x < 1) || (y > 0 && y < 1)) fractional++;
  }
  return [n, b, c, sumD2, n * r, fractional];
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function normalCdf(z: number): number {
  // Abramowitz & Stegun 7.1.26 through erf; ample for drawing item probabilities.
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
