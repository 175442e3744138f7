-- Degradation averaged over each benchmark group (jailbreak-robustness, safety-awareness, ...):
-- per model, base, group, judge and target, the unweighted mean over the group's benchmarks of the
-- paired rates of degradation.sql (each benchmark counts once, whatever its size). Reads judgments
-- and benchmark_groups(benchmark_id, benchmark_group); benchmark_group is NULL for benchmarks the
-- mapping does not list. Pairs as in degradation.sql: same benchmark_id, subset, sample_id, repeat,
-- judge_id and target, both with a verdict. n_benchmarks = benchmarks with at least one pair;
-- n_pairs = pairs over them. Fractions 0..1; mean_delta = mean_unsafe_rate - mean_base_unsafe_rate.
-- No interval: see degradation.sql for each benchmark's.
WITH judged AS (
  SELECT model_id, base_model_id, benchmark_id, subset, sample_id, "repeat", judge_id, target, unsafe
  FROM judgments
  WHERE unsafe IS NOT NULL
),
per_benchmark AS (
  SELECT
    m.model_id,
    m.base_model_id,
    m.benchmark_id,
    m.judge_id,
    m.target,
    count(*) AS n_pairs,
    count(*) FILTER (WHERE m.unsafe)::DOUBLE / count(*) AS unsafe_rate,
    count(*) FILTER (WHERE b.unsafe)::DOUBLE / count(*) AS base_unsafe_rate
  FROM judged AS m
  JOIN judged AS b
    ON b.model_id = m.base_model_id
    AND b.benchmark_id = m.benchmark_id
    AND b.subset = m.subset
    AND b.sample_id = m.sample_id
    AND b."repeat" = m."repeat"
    AND b.judge_id = m.judge_id
    AND b.target = m.target
  WHERE m.base_model_id IS NOT NULL AND m.base_model_id <> m.model_id
  GROUP BY m.model_id, m.base_model_id, m.benchmark_id, m.judge_id, m.target
)
SELECT
  p.model_id,
  p.base_model_id,
  g.benchmark_group,
  p.judge_id,
  p.target,
  count(*)::INTEGER AS n_benchmarks,
  sum(p.n_pairs)::INTEGER AS n_pairs,
  avg(p.unsafe_rate) AS mean_unsafe_rate,
  avg(p.base_unsafe_rate) AS mean_base_unsafe_rate,
  avg(p.unsafe_rate - p.base_unsafe_rate) AS mean_delta
FROM per_benchmark AS p
LEFT JOIN benchmark_groups AS g ON g.benchmark_id = p.benchmark_id
GROUP BY p.model_id, p.base_model_id, g.benchmark_group, p.judge_id, p.target
ORDER BY p.model_id, g.benchmark_group NULLS LAST, p.judge_id, p.target;
