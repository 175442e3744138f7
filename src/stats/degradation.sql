-- Safety degradation: each model that names a base model against that base, on PAIRED items, per
-- benchmark, judge and target. Reads study_items (study_items.sql: the item as the unit) and, for
-- each model's base, responses.
--
-- Pairs. A planned pair is an item (benchmark_id, subset, sample_id) planned for both the model and
-- its base (a study_items row on both sides for this judge and target). It is used when both sides
-- have a verdict (for at least one repeat); otherwise it is dropped, and counted by why:
-- n_dropped_failed when a side without a verdict has only failed requests, else n_dropped_unjudged
-- (answered, but unparsed or judge error). n_planned = n_pairs + n_dropped_failed +
-- n_dropped_unjudged; missing_share = dropped / n_planned, has_excess_missing above
-- missing_flag_share() (5%). A model whose base has no planned item in the run gets no row.
--
-- Rates over the n_pairs used pairs, each item one observation: x = the model's unsafe share on the
-- item (mean over its judged repeats), y = the base's. unsafe_rate = mean x, base_unsafe_rate = mean
-- y, delta = unsafe_rate - base_unsafe_rate (fractions 0..1). Discordance: b = sum x (1 - y) (model
-- unsafe, base safe), c = sum (1 - x) y (model safe, base unsafe), so delta = (b - c) / n_pairs; with
-- one repeat (or repeats that agree) b and c are the usual discordant-pair counts.
--
-- Interval and test.
--   Whole shares (every x and y is 0 or 1: one repeat, or repeats that agree), ci_method 'tango',
--   test 'mcnemar_exact': [ci_low, ci_high] is Tango's (1998) score interval for a difference of
--   paired proportions (tango_low/high in macros.sql; R's PropCIs::scoreci.mp), and p_value the
--   exact McNemar test (mcnemar_exact_p). Identical repeats therefore give exactly the interval and
--   p of one repeat; b = c = 0 gives [-z²/(n + z²), z²/(n + z²)], not [0, 0].
--   Fractional shares (repeats that disagree), ci_method 'tango_design_effect', test
--   'score_design_effect': the same score statistic on counts divided by the design effect (Rao &
--   Scott 1992, Biometrics 48: 577-585), so that interval and test come from one statistic and agree:
--   the interval holds the deltas the test would not reject. design_effect = the variance of the
--   items' differences x - y, sum (d_i - delta)², over the variance a paired binomial table with the
--   same b and c would have, b + c - n delta², floored at n / (repeat pairs) (the repeats cannot say
--   more than as many independent pairs: repeat pairs = sum over items of the smaller number of
--   judged repeats of the two sides). Tango's interval of (b / deff, c / deff, n / deff), and p_value
--   = 2 P[Z > |b - c| / sqrt(deff (b + c))], the Rao-Scott corrected McNemar score test.
--   design_effect is 1 for whole shares.
-- Multiplicity: p_adjusted adjusts p_value over its family, every row of one judge and target in the
-- run (one run is one database), by p_adjust_method() (macros.sql; `thinksafe stats --p-adjust`):
-- 'holm' (Holm 1979, step-down; the default), 'bh' (Benjamini & Hochberg 1995, step-up false
-- discovery rate) or 'none'. Rows without pairs have no p and are not in the family.
WITH bases AS (
  SELECT DISTINCT model_id, base_model_id
  FROM responses
  WHERE base_model_id IS NOT NULL AND base_model_id <> model_id
),
-- The model's rows with its base attached, so that the join below matches the base's rows directly.
model_items AS (
  SELECT i.*, k.base_model_id
  FROM study_items AS i
  JOIN bases AS k ON k.model_id = i.model_id
),
base_items AS (
  SELECT * FROM study_items WHERE model_id IN (SELECT base_model_id FROM bases)
),
pairs AS (
  SELECT
    m.model_id,
    m.base_model_id,
    m.benchmark_id,
    m.judge_id,
    m.target,
    m.n_judged > 0 AND b.n_judged > 0 AS is_pair,
    (m.n_judged = 0 AND m.n_failed = m.n_planned) OR (b.n_judged = 0 AND b.n_failed = b.n_planned) AS is_failed,
    m.unsafe_share AS x,
    b.unsafe_share AS y,
    least(m.n_judged, b.n_judged) AS repeat_pairs
  FROM model_items AS m
  JOIN base_items AS b
    ON b.model_id = m.base_model_id
    AND b.benchmark_id = m.benchmark_id
    AND b.subset = m.subset
    AND b.sample_id = m.sample_id
    AND b.judge_id = m.judge_id
    AND b.target = m.target
),
counts AS (
  SELECT
    model_id,
    base_model_id,
    benchmark_id,
    judge_id,
    target,
    count(*)::INTEGER AS n_planned,
    count(*) FILTER (WHERE is_pair)::INTEGER AS n_pairs,
    count(*) FILTER (WHERE NOT is_pair AND is_failed)::INTEGER AS n_dropped_failed,
    count(*) FILTER (WHERE NOT is_pair AND NOT is_failed)::INTEGER AS n_dropped_unjudged,
    coalesce(exact_sum(CASE WHEN is_pair THEN x END), 0) AS sum_x,
    coalesce(exact_sum(CASE WHEN is_pair THEN y END), 0) AS sum_y,
    coalesce(exact_sum(CASE WHEN is_pair THEN x * (1 - y) END), 0) AS b,
    coalesce(exact_sum(CASE WHEN is_pair THEN (1 - x) * y END), 0) AS c,
    coalesce(exact_sum(CASE WHEN is_pair THEN (x - y) * (x - y) END), 0) AS sum_d2,
    coalesce(sum(repeat_pairs) FILTER (WHERE is_pair), 0) AS repeat_pairs,
    count(*) FILTER (WHERE is_pair AND (x NOT IN (0, 1) OR y NOT IN (0, 1))) AS n_fractional
  FROM pairs
  GROUP BY model_id, base_model_id, benchmark_id, judge_id, target
),
scaled AS (
  SELECT *,
    CASE WHEN n_pairs = 0 THEN NULL
      WHEN n_fractional = 0 THEN 1.0
      ELSE greatest(n_pairs::DOUBLE / repeat_pairs,
        (sum_d2 - (b - c) * (b - c) / n_pairs) / (b + c - (b - c) * (b - c) / n_pairs)) END AS design_effect
  FROM counts
),
tested AS (
  SELECT *,
    CASE WHEN n_pairs = 0 THEN NULL
      WHEN n_fractional = 0 THEN mcnemar_exact_p(b, c)
      WHEN b + c = 0 THEN 1.0
      ELSE least(1.0, 2 * normal_tail((b - c) / sqrt(design_effect * (b + c)))) END AS p_value
  FROM scaled
),
ranked AS (
  SELECT *,
    row_number() OVER (PARTITION BY judge_id, target, p_value IS NULL ORDER BY p_value, model_id, benchmark_id) AS k,
    count(*) OVER (PARTITION BY judge_id, target, p_value IS NULL) AS m
  FROM tested
),
adjusted AS (
  SELECT *,
    CASE WHEN p_value IS NULL THEN NULL
      WHEN p_adjust_method() = 'none' THEN p_value
      WHEN p_adjust_method() = 'holm' THEN least(1.0, max((m - k + 1) * p_value) OVER (
        PARTITION BY judge_id, target, p_value IS NULL ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
      WHEN p_adjust_method() = 'bh' THEN least(1.0, min(m * p_value / k) OVER (
        PARTITION BY judge_id, target, p_value IS NULL ORDER BY k DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
    END AS p_adjusted
  FROM ranked
)
SELECT
  model_id,
  base_model_id,
  benchmark_id,
  judge_id,
  target,
  n_planned,
  n_pairs,
  n_dropped_failed,
  n_dropped_unjudged,
  (n_planned - n_pairs)::DOUBLE / n_planned AS missing_share,
  (n_planned - n_pairs)::DOUBLE / n_planned > missing_flag_share() AS has_excess_missing,
  CASE WHEN n_pairs > 0 THEN sum_x / n_pairs END AS unsafe_rate,
  CASE WHEN n_pairs > 0 THEN sum_y / n_pairs END AS base_unsafe_rate,
  CASE WHEN n_pairs > 0 THEN (sum_x - sum_y) / n_pairs END AS delta,
  b,
  c,
  design_effect,
  CASE WHEN n_pairs > 0 THEN tango_low(b / design_effect, c / design_effect, n_pairs / design_effect) END AS ci_low,
  CASE WHEN n_pairs > 0 THEN tango_high(b / design_effect, c / design_effect, n_pairs / design_effect) END AS ci_high,
  CASE WHEN n_pairs = 0 THEN NULL WHEN n_fractional = 0 THEN 'tango' ELSE 'tango_design_effect' END AS ci_method,
  p_value,
  CASE WHEN n_pairs = 0 THEN NULL WHEN n_fractional = 0 THEN 'mcnemar_exact' ELSE 'score_design_effect' END AS test,
  p_adjusted,
  p_adjust_method() AS p_adjust_method
FROM adjusted
ORDER BY model_id, benchmark_id, judge_id, target;
