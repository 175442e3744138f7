-- General capability per model and capability benchmark, and against the model's base (for a
-- fine-tuned checkpoint: the untuned model) on PAIRED items. Reads scores (RUN_DIR/scores.parquet,
-- src/eval/scores.ts): one row per answered capability response with score 0..1 (1 or 0 for
-- right or wrong; MM-Vet's grade), NULL when unscored. Subsets of a benchmark are pooled; repeats
-- count as separate items. Scores are summed as whole millionths (a grade's digits beyond the
-- sixth decimal are rounded), so every sum is exact and every DuckDB version gives the same digits.
--
-- n = scored rows, n_unscored = rows with score NULL (left out of every number). accuracy = mean
-- score (a fraction 0..1: accuracy for right/wrong rules, the mean grade for graded ones); is_graded
-- = some scored row has no right/wrong (correct NULL). [ci_low, ci_high]: Wilson 95% interval of
-- accuracy for right/wrong scores; for graded ones mean +- z95 * sd / sqrt(n) (sd the sample
-- standard deviation; NULL when n < 2), clipped to [0, 1].
--
-- Against the base: a pair is the model's and the base's scored row of the same benchmark_id, subset,
-- sample_id and repeat. n_pairs, and on the pairs: model_accuracy, base_accuracy and delta =
-- model_accuracy - base_accuracy = mean of the paired differences (model minus base). With b =
-- pairs where the model scores higher, c = pairs where the base does: mcnemar_p is the exact
-- two-sided binomial test of b against c, p = min(1, 2 * P[X <= min(b, c)]), X ~ Binomial(b + c,
-- 1/2), p = 1 when b + c = 0 (McNemar's exact test for right/wrong scores; the sign test for grades).
-- [delta_ci_low, delta_ci_high]: paired percentile bootstrap 95% interval of delta, 2,000
-- replicates of n_pairs pairs drawn with replacement, seed 20250506, percentiles by quantile_cont:
--   - right/wrong scores: a resample's delta is (B - C) / n_pairs with B, C its b- and c-pairs, so
--     each replicate draws D = B + C ~ Binomial(n_pairs, (b + c) / n_pairs) and B | D ~ Binomial(D,
--     b / (b + c)) by inverting their distributions at two uniforms from bootstrap_pick (draws 0 and
--     1 of replicate r, read as 32-bit fractions; values of probability 0 are never drawn): the
--     same distribution as resampling pairs, as in degradation.sql. Tables cover mean +- (10 sd +
--     25) and are renormalised.
--   - graded scores: pairs are numbered 0 .. n_pairs - 1 (by subset, sample_id, repeat) and draw k of
--     replicate r takes pair bootstrap_pick(20250506, r, k, n_pairs); delta* is the mean difference.
-- Models without a base, or whose base has no scored pair, have NULL in the paired columns.
WITH scored AS (
  SELECT *, round(score * 1000000)::BIGINT AS micro
  FROM scores
),
summary AS (
  SELECT
    model_id,
    base_model_id,
    benchmark_id,
    count(score)::INTEGER AS n,
    (count(*) - count(score))::INTEGER AS n_unscored,
    sum(micro) AS micro_sum,
    sum(micro * micro) AS micro_squares,
    coalesce(bool_or(score IS NOT NULL AND correct IS NULL), false) AS is_graded
  FROM scored
  GROUP BY model_id, base_model_id, benchmark_id
),
pairs AS (
  SELECT
    m.model_id,
    m.base_model_id,
    m.benchmark_id,
    m.subset,
    m.sample_id,
    m."repeat",
    m.micro AS model_micro,
    b.micro AS base_micro,
    m.micro - b.micro AS diff,
    m.correct IS NULL OR b.correct IS NULL AS graded
  FROM scored AS m
  JOIN scored AS b
    ON b.model_id = m.base_model_id
    AND b.benchmark_id = m.benchmark_id
    AND b.subset = m.subset
    AND b.sample_id = m.sample_id
    AND b."repeat" = m."repeat"
  WHERE m.base_model_id IS NOT NULL AND m.base_model_id <> m.model_id
    AND m.score IS NOT NULL AND b.score IS NOT NULL
),
counts AS (
  SELECT
    row_number() OVER (ORDER BY model_id, base_model_id, benchmark_id) AS g,
    *,
    (b + c)::DOUBLE / n_pairs AS p_disc,
    CASE WHEN b + c > 0 THEN b::DOUBLE / (b + c) ELSE 0.5 END AS p_b
  FROM (
    SELECT
      model_id,
      base_model_id,
      benchmark_id,
      count(*) AS n_pairs,
      sum(model_micro) / (count(*) * 1000000) AS model_accuracy,
      sum(base_micro) / (count(*) * 1000000) AS base_accuracy,
      sum(diff) / (count(*) * 1000000) AS delta,
      count(*) FILTER (WHERE diff > 0) AS b,
      count(*) FILTER (WHERE diff < 0) AS c,
      bool_or(graded) AS is_graded
    FROM pairs
    GROUP BY model_id, base_model_id, benchmark_id
  )
),
replicates AS (
  SELECT
    r,
    (bootstrap_pick(20250506, r, 0, 4294967296) + 0.5) / 4294967296 AS u_disc,
    (bootstrap_pick(20250506, r, 1, 4294967296) + 0.5) / 4294967296 AS u_b
  FROM range(1, 2001) AS t(r)
),
-- Right/wrong scores. D ~ Binomial(n_pairs, p_disc): support window, P[D < x] per x.
disc_cdf AS (
  SELECT g, x,
    CASE WHEN pmf > 0 THEN coalesce(sum(pmf) OVER (PARTITION BY g ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
      / sum(pmf) OVER (PARTITION BY g) ELSE 2 END AS below
  FROM (
    SELECT g, x, CASE
        WHEN p = 0 THEN (x = 0)::INTEGER::DOUBLE
        WHEN p = 1 THEN (x = trials)::INTEGER::DOUBLE
        ELSE exp(lgamma(trials + 1) - lgamma(x + 1) - lgamma(trials - x + 1)
          + x * ln(greatest(p, 1e-300)) + (trials - x) * ln(greatest(1 - p, 1e-300))) END AS pmf
    FROM (
      SELECT g, n_pairs AS trials, p_disc AS p, unnest(range(
          greatest(0, floor(n_pairs * p_disc - 10 * sqrt(n_pairs * p_disc * (1 - p_disc)) - 25))::BIGINT,
          least(n_pairs, ceil(n_pairs * p_disc + 10 * sqrt(n_pairs * p_disc * (1 - p_disc)) + 25))::BIGINT + 1)) AS x
      FROM counts
      WHERE NOT is_graded
    )
  )
),
-- Inversion: the largest x of positive probability with P[D < x] <= u (values of probability 0, as
-- when b + c = n_pairs or one of b, c is 0, get P[X < x] := 2 so that no u reaches them: otherwise
-- several values would tie and DuckDB versions' ASOF joins would pick different ones).
disc_draws AS (
  SELECT q.g, q.r, q.u_b, t.x AS d
  FROM (SELECT c.g, rep.r, rep.u_disc, rep.u_b FROM counts AS c CROSS JOIN replicates AS rep WHERE NOT c.is_graded) AS q
  ASOF JOIN disc_cdf AS t ON t.g = q.g AND q.u_disc >= t.below
),
-- B | D = d ~ Binomial(d, p_b), for each d some replicate drew.
b_cdf AS (
  SELECT g, d, x,
    CASE WHEN pmf > 0 THEN coalesce(sum(pmf) OVER (PARTITION BY g, d ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
      / sum(pmf) OVER (PARTITION BY g, d) ELSE 2 END AS below
  FROM (
    SELECT g, d, x, CASE
        WHEN p = 0 THEN (x = 0)::INTEGER::DOUBLE
        WHEN p = 1 THEN (x = d)::INTEGER::DOUBLE
        ELSE exp(lgamma(d + 1) - lgamma(x + 1) - lgamma(d - x + 1)
          + x * ln(greatest(p, 1e-300)) + (d - x) * ln(greatest(1 - p, 1e-300))) END AS pmf
    FROM (
      SELECT g, d, p_b AS p, unnest(range(
          greatest(0, floor(d * p_b - 10 * sqrt(d * p_b * (1 - p_b)) - 25))::BIGINT,
          least(d, ceil(d * p_b + 10 * sqrt(d * p_b * (1 - p_b)) + 25))::BIGINT + 1)) AS x
      FROM (SELECT DISTINCT dd.g, dd.d, c.p_b FROM disc_draws AS dd JOIN counts AS c ON c.g = dd.g)
    )
  )
),
binary_deltas AS (
  SELECT q.g, (2 * t.x - q.d)::DOUBLE / c.n_pairs AS delta
  FROM disc_draws AS q
  ASOF JOIN b_cdf AS t ON t.g = q.g AND t.d = q.d AND q.u_b >= t.below
  JOIN counts AS c ON c.g = q.g
),
-- Graded scores: resample the pairs themselves.
graded_pairs AS (
  SELECT c.g, c.n_pairs, row_number() OVER (PARTITION BY c.g ORDER BY p.subset, p.sample_id, p."repeat") - 1 AS k, p.diff
  FROM pairs AS p
  JOIN counts AS c USING (model_id, base_model_id, benchmark_id)
  WHERE c.is_graded
),
graded_deltas AS (
  SELECT q.g, sum(p.diff) / (count(*) * 1000000) AS delta
  FROM (
    SELECT g, r, bootstrap_pick(20250506, r, k, n_pairs) AS pick
    FROM (
      SELECT g, n_pairs, r, unnest(range(0, n_pairs)) AS k
      FROM (SELECT DISTINCT g, n_pairs FROM graded_pairs) CROSS JOIN range(1, 2001) AS t(r)
    )
  ) AS q
  JOIN graded_pairs AS p ON p.g = q.g AND p.k = q.pick
  GROUP BY q.g, q.r
),
intervals AS (
  SELECT g, quantile_cont(delta, 0.025) AS delta_ci_low, quantile_cont(delta, 0.975) AS delta_ci_high
  FROM (SELECT * FROM binary_deltas UNION ALL SELECT * FROM graded_deltas)
  GROUP BY g
),
mcnemar AS (
  SELECT g, least(1.0, 2 * sum(exp(lgamma(m + 1) - lgamma(i + 1) - lgamma(m - i + 1) - m * ln(2)))) AS mcnemar_p
  FROM (SELECT g, b + c AS m, unnest(range(0, least(b, c) + 1)) AS i FROM counts)
  GROUP BY g
)
SELECT
  s.model_id,
  s.base_model_id,
  s.benchmark_id,
  s.n,
  s.n_unscored,
  s.accuracy,
  CASE
    WHEN s.n = 0 THEN NULL
    WHEN NOT s.is_graded THEN wilson_low((s.micro_sum // 1000000)::INTEGER, s.n)
    WHEN s.n >= 2 THEN greatest(0.0, s.accuracy - z95() * s.sd / sqrt(s.n))
  END AS ci_low,
  CASE
    WHEN s.n = 0 THEN NULL
    WHEN NOT s.is_graded THEN wilson_high((s.micro_sum // 1000000)::INTEGER, s.n)
    WHEN s.n >= 2 THEN least(1.0, s.accuracy + z95() * s.sd / sqrt(s.n))
  END AS ci_high,
  s.is_graded,
  c.n_pairs::INTEGER AS n_pairs,
  c.model_accuracy,
  c.base_accuracy,
  c.delta,
  i.delta_ci_low,
  i.delta_ci_high,
  m.mcnemar_p
FROM (
  SELECT *,
    CASE WHEN n > 0 THEN micro_sum / (n * 1000000) END AS accuracy,
    -- Sample standard deviation from the exact integer sums.
    CASE WHEN n >= 2 THEN sqrt(greatest(0.0, (n::DOUBLE * micro_squares - micro_sum::DOUBLE * micro_sum) / (n::DOUBLE * (n - 1)))) / 1000000 END AS sd
  FROM summary
) AS s
LEFT JOIN counts AS c USING (model_id, base_model_id, benchmark_id)
LEFT JOIN intervals AS i ON i.g = c.g
LEFT JOIN mcnemar AS m ON m.g = c.g
ORDER BY s.model_id, s.benchmark_id;
