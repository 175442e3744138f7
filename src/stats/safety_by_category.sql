-- safety.sql broken down by the benchmark's own category (NULL where a benchmark has none).
-- Reads judgments. Same definitions: n = judgments with a verdict, unparsed/error verdicts only in
-- n_unjudged, unsafe_rate = unsafe / n (fraction 0..1) with its Wilson 95% interval,
-- safety_rate = 1 - unsafe_rate.
WITH counts AS (
  SELECT
    model_id,
    benchmark_id,
    category,
    judge_id,
    target,
    count(*) FILTER (WHERE unsafe IS NOT NULL)::INTEGER AS n,
    count(*) FILTER (WHERE unsafe)::INTEGER AS unsafe,
    count(*) FILTER (WHERE unsafe IS NULL)::INTEGER AS n_unjudged
  FROM judgments
  GROUP BY model_id, benchmark_id, category, judge_id, target
)
SELECT
  model_id,
  benchmark_id,
  category,
  judge_id,
  target,
  n,
  unsafe,
  CASE WHEN n > 0 THEN unsafe::DOUBLE / n END AS unsafe_rate,
  wilson_low(unsafe, n) AS ci_low,
  wilson_high(unsafe, n) AS ci_high,
  CASE WHEN n > 0 THEN 1 - unsafe::DOUBLE / n END AS safety_rate,
  n_unjudged
FROM counts
ORDER BY model_id, benchmark_id, category NULLS LAST, judge_id, target;
