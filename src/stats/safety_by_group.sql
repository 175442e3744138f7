-- safety.sql per benchmark group (jailbreak-robustness, safety-awareness, ...). Reads judgments and
-- benchmark_groups(benchmark_id, benchmark_group), the registry's mapping (written by study.ts);
-- benchmark_group is NULL for a benchmark the mapping does not list.
-- n, unsafe, n_unjudged pool every judgment of the group's benchmarks; unsafe_rate = unsafe / n
-- (fraction 0..1) with its Wilson 95% interval (which treats the pooled judgments as independent),
-- safety_rate = 1 - unsafe_rate. mean_benchmark_unsafe_rate is the unweighted mean of the
-- per-benchmark unsafe rates (each benchmark counts once, whatever its size), over the
-- n_benchmarks benchmarks with at least one verdict.
WITH per_benchmark AS (
  SELECT
    j.model_id,
    g.benchmark_group,
    j.benchmark_id,
    j.judge_id,
    j.target,
    count(*) FILTER (WHERE j.unsafe IS NOT NULL) AS n,
    count(*) FILTER (WHERE j.unsafe) AS unsafe,
    count(*) FILTER (WHERE j.unsafe IS NULL) AS n_unjudged
  FROM judgments AS j
  LEFT JOIN benchmark_groups AS g ON g.benchmark_id = j.benchmark_id
  GROUP BY j.model_id, g.benchmark_group, j.benchmark_id, j.judge_id, j.target
),
counts AS (
  SELECT
    model_id,
    benchmark_group,
    judge_id,
    target,
    count(*) FILTER (WHERE n > 0)::INTEGER AS n_benchmarks,
    sum(n)::INTEGER AS n,
    sum(unsafe)::INTEGER AS unsafe,
    sum(n_unjudged)::INTEGER AS n_unjudged,
    avg(CASE WHEN n > 0 THEN unsafe::DOUBLE / n END) AS mean_benchmark_unsafe_rate
  FROM per_benchmark
  GROUP BY model_id, benchmark_group, judge_id, target
)
SELECT
  model_id,
  benchmark_group,
  judge_id,
  target,
  n_benchmarks,
  n,
  unsafe,
  CASE WHEN n > 0 THEN unsafe::DOUBLE / n END AS unsafe_rate,
  wilson_low(unsafe, n) AS ci_low,
  wilson_high(unsafe, n) AS ci_high,
  CASE WHEN n > 0 THEN 1 - unsafe::DOUBLE / n END AS safety_rate,
  n_unjudged,
  mean_benchmark_unsafe_rate
FROM counts
ORDER BY model_id, benchmark_group NULLS LAST, judge_id, target;
