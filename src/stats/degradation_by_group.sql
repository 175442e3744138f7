-- Degradation averaged over each benchmark group (jailbreak-robustness, safety-awareness, ...):
-- per model, base, group, judge and target, the unweighted mean over the group's benchmarks of the
-- paired rates in `degradation` (degradation.sql; each benchmark counts once, whatever its size).
-- Reads degradation and benchmark_groups(benchmark_id, benchmark_group); benchmark_group is NULL for
-- benchmarks the mapping does not list. n_benchmarks = benchmarks with at least one pair; n_pairs =
-- pairs over them. Fractions 0..1; mean_delta = mean_unsafe_rate - mean_base_unsafe_rate.
-- No interval: see degradation.sql for each benchmark's.
SELECT
  d.model_id,
  d.base_model_id,
  g.benchmark_group,
  d.judge_id,
  d.target,
  count(*)::INTEGER AS n_benchmarks,
  sum(d.n_pairs)::INTEGER AS n_pairs,
  avg(d.unsafe_rate) AS mean_unsafe_rate,
  avg(d.base_unsafe_rate) AS mean_base_unsafe_rate,
  avg(d.unsafe_rate - d.base_unsafe_rate) AS mean_delta
FROM degradation AS d
LEFT JOIN benchmark_groups AS g ON g.benchmark_id = d.benchmark_id
GROUP BY d.model_id, d.base_model_id, g.benchmark_group, d.judge_id, d.target
ORDER BY d.model_id, g.benchmark_group NULLS LAST, d.judge_id, d.target;
