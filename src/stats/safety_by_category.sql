-- safety.sql broken down by the benchmark's own category (NULL where a benchmark has none), from
-- study_items. Same definitions: n_planned = n + n_failed + n_unjudged over planned responses;
-- unsafe_rate = mean over items of their unsafe share (fraction 0..1) with its 95% interval (Wilson
-- at the effective sample size, see item_wilson_low in macros.sql), safety_rate = 1 - unsafe_rate.
WITH counts AS (
  SELECT
    i.model_id,
    i.benchmark_id,
    i.category,
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
  GROUP BY i.model_id, i.benchmark_id, i.category, i.judge_id, i.target
)
SELECT
  model_id,
  benchmark_id,
  category,
  judge_id,
  target,
  n_planned,
  n_failed,
  n_unjudged,
  n,
  n_items,
  unsafe,
  CASE WHEN n_items > 0 THEN sum_s / n_items END AS unsafe_rate,
  item_wilson_low(n_items, n, sum_s, sum_s2, n_fractional) AS ci_low,
  item_wilson_high(n_items, n, sum_s, sum_s2, n_fractional) AS ci_high,
  CASE WHEN n_items > 0 THEN 1 - sum_s / n_items END AS safety_rate
FROM counts
ORDER BY model_id, benchmark_id, category NULLS LAST, judge_id, target;
