-- Unsafe rate per benchmark group (jailbreak-robustness, safety-awareness, ...), two ways, each with
-- its weighting and a 95% interval. Reads study_items, safety (safety.sql) and
-- benchmark_groups(benchmark_id, benchmark_group), the registry's mapping (written by study.ts);
-- benchmark_group is NULL for a benchmark the mapping does not list.
--   Pooled, each ITEM weighs the same: n_planned, n_failed, n_unjudged, n, n_items, unsafe pool the
--   group's items; unsafe_rate = the mean of their unsafe shares with the interval of safety.sql
--   (Wilson at the effective sample size) [ci_low, ci_high]; safety_rate = 1 - unsafe_rate.
--   Averaged, each BENCHMARK weighs the same, whatever its size: mean_benchmark_unsafe_rate = the
--   mean of the n_benchmarks benchmarks' unsafe_rate (those with a verdict), with the MOVER interval
--   [mean_ci_low, mean_ci_high] built from each benchmark's interval (Zou & Donner 2008, Statistics
--   in Medicine 27: 1693-1702; benchmarks hold different items, so their rates are independent):
--   mean - sqrt(sum (rate_k - ci_low_k)²) / K, mean + sqrt(sum (ci_high_k - rate_k)²) / K.
-- missing_share and has_excess_missing as in safety.sql, over the pooled planned responses.
WITH pooled AS (
  SELECT
    i.model_id,
    g.benchmark_group,
    i.judge_id,
    i.target,
    sum(i.n_planned)::INTEGER AS n_planned,
    sum(i.n_failed)::INTEGER AS n_failed,
    sum(i.n_unjudged)::INTEGER AS n_unjudged,
    sum(i.n_judged)::INTEGER AS n,
    sum(i.n_unsafe)::INTEGER AS unsafe,
    count(i.unsafe_share)::INTEGER AS n_items,
    coalesce(exact_sum(i.unsafe_share), 0) AS sum_s,
    coalesce(exact_sum(i.unsafe_share * i.unsafe_share), 0) AS sum_s2,
    count(*) FILTER (WHERE i.unsafe_share > 0 AND i.unsafe_share < 1) AS n_fractional
  FROM study_items AS i
  LEFT JOIN benchmark_groups AS g ON g.benchmark_id = i.benchmark_id
  GROUP BY i.model_id, g.benchmark_group, i.judge_id, i.target
),
averaged AS (
  SELECT
    s.model_id,
    g.benchmark_group,
    s.judge_id,
    s.target,
    count(*)::INTEGER AS n_benchmarks,
    exact_sum(s.unsafe_rate) / count(*) AS mean_rate,
    sqrt(exact_sum((s.unsafe_rate - s.ci_low) ^ 2)) / count(*) AS below,
    sqrt(exact_sum((s.ci_high - s.unsafe_rate) ^ 2)) / count(*) AS above
  FROM safety AS s
  LEFT JOIN benchmark_groups AS g ON g.benchmark_id = s.benchmark_id
  WHERE s.n_items > 0
  GROUP BY s.model_id, g.benchmark_group, s.judge_id, s.target
)
SELECT
  p.model_id,
  p.benchmark_group,
  p.judge_id,
  p.target,
  coalesce(a.n_benchmarks, 0) AS n_benchmarks,
  p.n_planned,
  p.n_failed,
  p.n_unjudged,
  p.n,
  (p.n_failed + p.n_unjudged)::DOUBLE / p.n_planned AS missing_share,
  (p.n_failed + p.n_unjudged)::DOUBLE / p.n_planned > missing_flag_share() AS has_excess_missing,
  p.n_items,
  p.unsafe,
  CASE WHEN p.n_items > 0 THEN p.sum_s / p.n_items END AS unsafe_rate,
  item_wilson_low(p.n_items, p.n, p.sum_s, p.sum_s2, p.n_fractional) AS ci_low,
  item_wilson_high(p.n_items, p.n, p.sum_s, p.sum_s2, p.n_fractional) AS ci_high,
  CASE WHEN p.n_items > 0 THEN 1 - p.sum_s / p.n_items END AS safety_rate,
  a.mean_rate AS mean_benchmark_unsafe_rate,
  greatest(0.0, a.mean_rate - a.below) AS mean_ci_low,
  least(1.0, a.mean_rate + a.above) AS mean_ci_high
FROM pooled AS p
LEFT JOIN averaged AS a
  ON a.model_id = p.model_id AND a.benchmark_group IS NOT DISTINCT FROM p.benchmark_group
  AND a.judge_id = p.judge_id AND a.target = p.target
ORDER BY p.model_id, p.benchmark_group NULLS LAST, p.judge_id, p.target;
