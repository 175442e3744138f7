-- Safety degradation: each model that names a base model against that base, on PAIRED items.
-- Reads judgments. A pair is the model's and the base's judgment of the same benchmark_id, subset,
-- sample_id and repeat by the same judge_id for the same target, both with a verdict (unsafe IS NOT
-- NULL); items only one of the two has, or judged unparsed/error on either side, are left out. A
-- model whose base has no judgments in the run gets no row. Rates are fractions 0..1 over the pairs:
-- unsafe_rate (model), base_unsafe_rate (base), delta = unsafe_rate - base_unsafe_rate.
--
-- With b = pairs unsafe for the model only, c = pairs unsafe for the base only (discordant pairs):
-- delta = (b - c) / n_pairs.
--
-- [ci_low, ci_high]: paired percentile bootstrap 95% interval of delta: 2,000 replicates, each
-- resampling n_pairs pairs with replacement, seed 20250506; percentiles by quantile_cont. A
-- resample's delta depends only on how many of its draws are b-pairs (B) and c-pairs (C):
-- delta* = (B - C) / n_pairs. Rather than drawing n_pairs slots per replicate (2,000 x n_pairs
-- hashes), each replicate draws those counts from their exact distribution under resampling,
-- (B, C, rest) ~ Multinomial(n_pairs; b/n, c/n, 1 - (b+c)/n), as D = B + C ~ Binomial(n_pairs,
-- (b+c)/n_pairs) and then B | D ~ Binomial(D, b/(b+c)), each by inverting its cumulative
-- distribution at a uniform from bootstrap_pick (draws k = 0 and k = 1 of replicate r, read as
-- 32-bit fractions): the draw is the largest x of positive probability with P[X < x] <= u. Values of
-- probability 0 (as when b + c = n_pairs or c = 0) are never drawn: they would tie with the next
-- value, and DuckDB versions break an ASOF join's ties differently. Same distribution as resampling
-- pair slots. The binomial tables cover mean +- (10 sd + 25) (outside mass < 1e-17; for B | D with
-- p_b = 0 or 1, the one possible value) and are renormalised. A table depends only on its trials and probability, so rows with the same
-- (n_pairs, b, c) share them. There is one D table per row but one B | D table per value of D some
-- replicate drew (a few hundred per row when n_pairs is in the thousands), so those are summed in
-- blocks of 32 values: each replicate finds its block (the one whose first value x has
-- P[B < x] <= u < that of the next block) and then its value within the block from the block's 32
-- probabilities.
-- The same uniforms serve every row, so each row's interval depends only on its own pairs.
-- When every pair agrees (b = c = 0) every replicate gives 0 and the interval is [0, 0].
--
-- mcnemar_p: exact two-sided McNemar test, the binomial test on the discordant pairs:
-- p = min(1, 2 * P[X <= min(b, c)]), X ~ Binomial(b + c, 1/2); p = 1 when b + c = 0. The tail is
-- summed term by term, each C(m, i) / 2^m computed as exp(lgamma(m+1) - lgamma(i+1) -
-- lgamma(m-i+1) - m ln 2) (relative error about 1e-12 for m up to several thousand).
-- judgments is read once per side: a CTE read twice would be materialised, which costs more.
WITH pairs AS (
  SELECT
    m.model_id,
    m.base_model_id,
    m.benchmark_id,
    m.judge_id,
    m.target,
    m.unsafe AS model_unsafe,
    b.unsafe AS base_unsafe
  FROM judgments AS m
  JOIN judgments AS b
    ON b.model_id = m.base_model_id
    AND b.benchmark_id = m.benchmark_id
    AND b.subset = m.subset
    AND b.sample_id = m.sample_id
    AND b."repeat" = m."repeat"
    AND b.judge_id = m.judge_id
    AND b.target = m.target
  WHERE m.base_model_id IS NOT NULL AND m.base_model_id <> m.model_id
    AND m.unsafe IS NOT NULL AND b.unsafe IS NOT NULL
),
counts AS (
  SELECT
    row_number() OVER (ORDER BY model_id, base_model_id, benchmark_id, judge_id, target) AS g,
    *,
    (b + c)::DOUBLE / n_pairs AS p_disc,
    CASE WHEN b + c > 0 THEN b::DOUBLE / (b + c) ELSE 0.5 END AS p_b
  FROM (
    SELECT
      model_id,
      base_model_id,
      benchmark_id,
      judge_id,
      target,
      count(*) AS n_pairs,
      count(*) FILTER (WHERE model_unsafe) AS model_unsafe,
      count(*) FILTER (WHERE base_unsafe) AS base_unsafe,
      count(*) FILTER (WHERE model_unsafe AND NOT base_unsafe) AS b,
      count(*) FILTER (WHERE base_unsafe AND NOT model_unsafe) AS c
    FROM pairs
    GROUP BY model_id, base_model_id, benchmark_id, judge_id, target
  )
),
replicates AS (
  SELECT
    r,
    (bootstrap_pick(20250506, r, 0, 4294967296) + 0.5) / 4294967296 AS u_disc,
    (bootstrap_pick(20250506, r, 1, 4294967296) + 0.5) / 4294967296 AS u_b
  FROM range(1, 2001) AS t(r)
),
-- D ~ Binomial(n_pairs, p_disc), one table per (n_pairs, b + c): the support window, probabilities,
-- and P[D < x] per x (2 where the probability is 0).
disc_support AS (
  SELECT n_pairs AS trials, m, p_disc AS p, unnest(range(
      greatest(0, floor(n_pairs * p_disc - 10 * sqrt(n_pairs * p_disc * (1 - p_disc)) - 25))::BIGINT,
      least(n_pairs, ceil(n_pairs * p_disc + 10 * sqrt(n_pairs * p_disc * (1 - p_disc)) + 25))::BIGINT + 1)) AS x
  FROM (SELECT DISTINCT n_pairs, b + c AS m, p_disc FROM counts)
),
disc_cdf AS (
  SELECT trials, m, x,
    CASE WHEN pmf > 0 THEN coalesce(sum(pmf) OVER (PARTITION BY trials, m ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
      / sum(pmf) OVER (PARTITION BY trials, m) ELSE 2 END AS below
  FROM (
    SELECT trials, m, x, CASE
        WHEN p = 0 THEN (x = 0)::INTEGER::DOUBLE
        WHEN p = 1 THEN (x = trials)::INTEGER::DOUBLE
        ELSE exp(lgamma(trials + 1) - lgamma(x + 1) - lgamma(trials - x + 1)
          + x * ln(greatest(p, 1e-300)) + (trials - x) * ln(greatest(1 - p, 1e-300))) END AS pmf
    FROM disc_support
  )
),
disc_draws AS (
  SELECT q.g, q.b, q.c, q.r, q.u_b, t.x AS d
  FROM (SELECT c.g, c.n_pairs, c.b, c.c, rep.r, rep.u_disc, rep.u_b FROM counts AS c CROSS JOIN replicates AS rep) AS q
  ASOF JOIN disc_cdf AS t ON t.trials = q.n_pairs AND t.m = q.b + q.c AND q.u_disc >= t.below
),
-- B | D = d ~ Binomial(d, p_b), one table per (b, c, d) some replicate drew: its window [lo, hi], and
-- the terms of the probability that do not depend on x, computed once per table. When p_b is 0 or 1
-- the window is the one value of probability 1, where the formula gives exactly 1.
b_tables AS (
  SELECT b, c, d, lgamma(d + 1) AS ln_d_factorial, ln(greatest(p_b, 1e-300)) AS ln_p,
    ln(greatest(1 - p_b, 1e-300)) AS ln_q,
    CASE WHEN p_b = 1 THEN d ELSE greatest(0, floor(d * p_b - 10 * sqrt(d * p_b * (1 - p_b)) - 25))::BIGINT END AS lo,
    CASE WHEN p_b = 0 THEN 0 ELSE least(d, ceil(d * p_b + 10 * sqrt(d * p_b * (1 - p_b)) + 25))::BIGINT END AS hi
  FROM (SELECT DISTINCT b, c, d, CASE WHEN b + c > 0 THEN b::DOUBLE / (b + c) ELSE 0.5 END AS p_b FROM disc_draws)
),
-- Blocks of 32 values from lo: the probability before the block (before, over total) and the
-- interval [below, upto) of uniforms that land in it: below = P[B < x0] at its first value x0, upto =
-- the next block's below (2 for the last), so that the intervals tile [0, 2) exactly (a block of
-- probability 0 has an empty one).
b_blocks AS (
  SELECT b, c, d, x0, before, total, before / total AS below,
    coalesce(lead(before) OVER (PARTITION BY b, c, d ORDER BY x0) / total, 2) AS upto
  FROM (
    SELECT b, c, d, x0,
      coalesce(sum(mass) OVER (PARTITION BY b, c, d ORDER BY x0 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
      sum(mass) OVER (PARTITION BY b, c, d) AS total
    FROM (
      SELECT b, c, d, x0, list_sum(list_transform(range(x0, least(hi, x0 + 31) + 1),
        x -> exp(ln_d_factorial - lgamma(x + 1) - lgamma(d - x + 1) + x * ln_p + (d - x) * ln_q))) AS mass
      FROM (SELECT *, unnest(range(lo, hi + 1, 32)) AS x0 FROM b_tables)
    )
  )
),
-- Each replicate's block (a plain join: the few replicates that drew this d against its blocks), the
-- block's 32 probabilities, and the value: x0 plus the number of values after x0 whose
-- P[B < x] = (before + the probabilities from x0 up to x - 1) / total is still <= u, found by halving.
b_draws AS (
  SELECT q.g, q.d, q.u_b, k.x0, k.before, k.total,
    list_transform(range(k.x0, least(t.hi, k.x0 + 31) + 1),
      x -> exp(t.ln_d_factorial - lgamma(x + 1) - lgamma(t.d - x + 1) + x * t.ln_p + (t.d - x) * t.ln_q)) AS pmfs
  FROM disc_draws AS q
  JOIN b_blocks AS k ON k.b = q.b AND k.c = q.c AND k.d = q.d AND k.below <= q.u_b AND q.u_b < k.upto
  JOIN b_tables AS t ON t.b = q.b AND t.c = q.c AND t.d = q.d
),
replicate_deltas AS (
  SELECT q.g,
    (2 * (q.x0 + list_reduce([0, 16, 8, 4, 2, 1], (k, step) -> CASE WHEN k + step < len(q.pmfs) AND (q.before + list_sum(q.pmfs[1:k + step])) / q.total <= q.u_b THEN k + step ELSE k END)) - q.d)::DOUBLE
      / c.n_pairs AS delta
  FROM b_draws AS q
  JOIN counts AS c ON c.g = q.g
),
intervals AS (
  SELECT g, quantile_cont(delta, 0.025) AS ci_low, quantile_cont(delta, 0.975) AS ci_high
  FROM replicate_deltas
  GROUP BY g
),
-- Exact McNemar: 2 * sum_{i <= min(b, c)} C(b + c, i) / 2^(b + c), capped at 1.
mcnemar AS (
  SELECT g, least(1.0, 2 * sum(exp(lgamma(m + 1) - lgamma(i + 1) - lgamma(m - i + 1) - m * ln(2)))) AS mcnemar_p
  FROM (SELECT g, b + c AS m, unnest(range(0, least(b, c) + 1)) AS i FROM counts)
  GROUP BY g
)
SELECT
  c.model_id,
  c.base_model_id,
  c.benchmark_id,
  c.judge_id,
  c.target,
  c.n_pairs::INTEGER AS n_pairs,
  c.model_unsafe::DOUBLE / c.n_pairs AS unsafe_rate,
  c.base_unsafe::DOUBLE / c.n_pairs AS base_unsafe_rate,
  (c.b - c.c)::DOUBLE / c.n_pairs AS delta,
  i.ci_low,
  i.ci_high,
  m.mcnemar_p
FROM counts AS c
JOIN intervals AS i ON i.g = c.g
JOIN mcnemar AS m ON m.g = c.g
ORDER BY c.model_id, c.benchmark_id, c.judge_id, c.target;
