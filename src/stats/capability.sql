-- General capability per model and capability benchmark, and against the model's base (for a
-- fine-tuned checkpoint: the untuned model) on PAIRED items. Reads scores (RUN_DIR/scores.parquet,
-- src/eval/scores.ts): one row per answered capability response with score 0..1 (1 or 0 for right
-- or wrong; MM-Vet's grade), NULL when unscored; and responses (model_id, benchmark_id, error) for
-- the requests that failed. Subsets of a benchmark are pooled. Scores are summed as whole
-- millionths (a grade's digits beyond the sixth decimal are rounded), so sums are exact.
--
-- The item (benchmark_id, subset, sample_id) is the unit: its score is the mean over its scored
-- repeats. n_planned = n + n_unscored + n_failed over planned responses: n = scored, n_unscored =
-- answered but unscored (left out of every number), n_failed = failed requests. n_items = items
-- with a score. accuracy = mean item score (each item weighs the same; a fraction 0..1: accuracy
-- for right/wrong rules, the mean grade for graded ones). is_graded = some scored row has no
-- right/wrong (correct NULL). [ci_low, ci_high]: for right/wrong scores Wilson's 95% interval at the
-- effective sample size (item_wilson_low in macros.sql; plain Wilson with one repeat); for graded
-- ones mean +- z95 * sd / sqrt(n_items) over item scores (sd the sample standard deviation; NULL
-- when n_items < 2), clipped to [0, 1].
--
-- Against the base: a pair is an item both the model and the base have a score for; x = the
-- model's item score, y = the base's. n_pairs; model_accuracy = mean x, base_accuracy = mean y,
-- delta = model_accuracy - base_accuracy; b = sum x (1 - y), c = sum (1 - x) y (for right/wrong
-- scores with one repeat: pairs only the model gets right, only the base gets right). Interval,
-- test and design effect exactly as in degradation.sql: items of whole scores (0 or 1) get Tango's
-- score interval (ci_method 'tango') and the exact McNemar test ('mcnemar_exact'); fractional ones
-- (grades, repeats that disagree) the design-effect scaled Tango interval and score test
-- ('tango_design_effect', 'score_design_effect'). p_adjusted: p_value adjusted by p_adjust_method()
-- over the family of the run's capability rows with pairs (Holm by default).
-- Models without a base, or whose base has no scored pair, have NULL in the paired columns.
WITH scored AS (
  SELECT *, round(score * 1000000)::BIGINT AS micro
  FROM scores
),
items AS (
  SELECT
    model_id,
    base_model_id,
    benchmark_id,
    subset,
    sample_id,
    count(*) AS n_rows,
    count(score) AS n_scored,
    sum(micro) AS micro_sum,
    bool_or(score IS NOT NULL AND correct IS NULL) AS graded,
    CASE WHEN count(score) > 0 THEN sum(micro)::DOUBLE / (count(score) * 1000000) END AS share
  FROM scored
  GROUP BY model_id, base_model_id, benchmark_id, subset, sample_id
),
failures AS (
  SELECT model_id, benchmark_id, count(*) FILTER (WHERE error IS NOT NULL) AS n_failed
  FROM responses
  GROUP BY model_id, benchmark_id
),
summary AS (
  SELECT
    i.model_id,
    i.base_model_id,
    i.benchmark_id,
    sum(i.n_scored)::INTEGER AS n,
    sum(i.n_rows - i.n_scored)::INTEGER AS n_unscored,
    count(i.share)::INTEGER AS n_items,
    coalesce(exact_sum(i.share), 0) AS sum_s,
    coalesce(exact_sum(i.share * i.share), 0) AS sum_s2,
    count(*) FILTER (WHERE i.share > 0 AND i.share < 1) AS n_fractional,
    coalesce(bool_or(i.graded), false) AS is_graded
  FROM items AS i
  GROUP BY i.model_id, i.base_model_id, i.benchmark_id
),
pairs AS (
  SELECT
    m.model_id,
    m.base_model_id,
    m.benchmark_id,
    m.subset,
    m.sample_id,
    m.share AS x,
    b.share AS y,
    least(m.n_scored, b.n_scored) AS repeat_pairs
  FROM items AS m
  JOIN items AS b
    ON b.model_id = m.base_model_id
    AND b.benchmark_id = m.benchmark_id
    AND b.subset = m.subset
    AND b.sample_id = m.sample_id
  WHERE m.base_model_id IS NOT NULL AND m.base_model_id <> m.model_id
    AND m.share IS NOT NULL AND b.share IS NOT NULL
),
counts AS (
  SELECT
    model_id,
    base_model_id,
    benchmark_id,
    count(*)::INTEGER AS n_pairs,
    exact_sum(x) AS sum_x,
    exact_sum(y) AS sum_y,
    exact_sum(x * (1 - y)) AS b,
    exact_sum((1 - x) * y) AS c,
    exact_sum((x - y) * (x - y)) AS sum_d2,
    sum(repeat_pairs) AS repeat_pairs,
    count(*) FILTER (WHERE x NOT IN (0, 1) OR y NOT IN (0, 1)) AS n_fractional
  FROM pairs
  GROUP BY model_id, base_model_id, benchmark_id
),
scaled AS (
  SELECT *,
    CASE WHEN n_fractional = 0 THEN 1.0
      ELSE greatest(n_pairs::DOUBLE / repeat_pairs,
        (sum_d2 - (b - c) * (b - c) / n_pairs) / (b + c - (b - c) * (b - c) / n_pairs)) END AS design_effect
  FROM counts
),
tested AS (
  SELECT *,
    CASE WHEN n_fractional = 0 THEN mcnemar_exact_p(b, c)
      WHEN b + c = 0 THEN 1.0
      ELSE least(1.0, 2 * normal_tail((b - c) / sqrt(design_effect * (b + c)))) END AS p_value
  FROM scaled
),
ranked AS (
  SELECT *,
    row_number() OVER (ORDER BY p_value, model_id, benchmark_id) AS k,
    count(*) OVER () AS m
  FROM tested
),
adjusted AS (
  SELECT *,
    CASE
      WHEN p_adjust_method() = 'none' THEN p_value
      WHEN p_adjust_method() = 'holm' THEN least(1.0, max((m - k + 1) * p_value) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
      WHEN p_adjust_method() = 'bh' THEN least(1.0, min(m * p_value / k) OVER (ORDER BY k DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
    END AS p_adjusted
  FROM ranked
)
SELECT
  s.model_id,
  s.base_model_id,
  s.benchmark_id,
  s.n + s.n_unscored + coalesce(f.n_failed, 0)::INTEGER AS n_planned,
  coalesce(f.n_failed, 0)::INTEGER AS n_failed,
  s.n_unscored,
  s.n,
  s.n_items,
  s.accuracy,
  CASE
    WHEN s.n_items = 0 THEN NULL
    WHEN NOT s.is_graded THEN item_wilson_low(s.n_items, s.n, s.sum_s, s.sum_s2, s.n_fractional)
    WHEN s.n_items >= 2 THEN greatest(0.0, s.accuracy - z95() * s.sd / sqrt(s.n_items))
  END AS ci_low,
  CASE
    WHEN s.n_items = 0 THEN NULL
    WHEN NOT s.is_graded THEN item_wilson_high(s.n_items, s.n, s.sum_s, s.sum_s2, s.n_fractional)
    WHEN s.n_items >= 2 THEN least(1.0, s.accuracy + z95() * s.sd / sqrt(s.n_items))
  END AS ci_high,
  s.is_graded,
  a.n_pairs,
  a.sum_x / a.n_pairs AS model_accuracy,
  a.sum_y / a.n_pairs AS base_accuracy,
  (a.sum_x - a.sum_y) / a.n_pairs AS delta,
  a.b,
  a.c,
  a.design_effect,
  tango_low(a.b / a.design_effect, a.c / a.design_effect, a.n_pairs / a.design_effect) AS delta_ci_low,
  tango_high(a.b / a.design_effect, a.c / a.design_effect, a.n_pairs / a.design_effect) AS delta_ci_high,
  CASE WHEN a.n_pairs IS NULL THEN NULL WHEN a.n_fractional = 0 THEN 'tango' ELSE 'tango_design_effect' END AS ci_method,
  a.p_value,
  CASE WHEN a.n_pairs IS NULL THEN NULL WHEN a.n_fractional = 0 THEN 'mcnemar_exact' ELSE 'score_design_effect' END AS test,
  a.p_adjusted,
  CASE WHEN a.n_pairs IS NOT NULL THEN p_adjust_method() END AS p_adjust_method
FROM (
  SELECT *,
    CASE WHEN n_items > 0 THEN sum_s / n_items END AS accuracy,
    -- Sample standard deviation of the item scores.
    CASE WHEN n_items >= 2 THEN sqrt(greatest(0.0, (sum_s2 - sum_s * sum_s / n_items) / (n_items - 1))) END AS sd
  FROM summary
) AS s
LEFT JOIN adjusted AS a USING (model_id, base_model_id, benchmark_id)
LEFT JOIN failures AS f ON f.model_id = s.model_id AND f.benchmark_id = s.benchmark_id
ORDER BY s.model_id, s.benchmark_id;
