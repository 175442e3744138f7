-- Degradation averaged over each benchmark group (jailbreak-robustness, safety-awareness, ...): per
-- model, base, group, judge and target, the mean over the group's benchmarks of the paired rates in
-- `degradation` (degradation.sql). weighting = 'benchmark': each benchmark with pairs counts once,
-- whatever its number of items. Reads degradation and benchmark_groups(benchmark_id,
-- benchmark_group); benchmark_group is NULL for benchmarks the mapping does not list.
-- n_benchmarks = benchmarks with at least one pair; n_planned, n_pairs, n_dropped = planned pairs,
-- used pairs and dropped pairs over all the group's benchmarks (with or without pairs).
-- Fractions 0..1: mean_delta = mean_unsafe_rate - mean_base_unsafe_rate, with the MOVER 95% interval
-- [mean_delta_ci_low, mean_delta_ci_high] from each benchmark's interval (Zou & Donner 2008,
-- Statistics in Medicine 27: 1693-1702; the benchmarks' items differ, so their deltas are
-- independent): mean - sqrt(sum (delta_k - ci_low_k)²) / K, mean + sqrt(sum (ci_high_k - delta_k)²) / K.
-- No p-value: the benchmarks' own tests are in degradation.
SELECT
  d.model_id,
  d.base_model_id,
  g.benchmark_group,
  d.judge_id,
  d.target,
  'benchmark' AS weighting,
  (count(*) FILTER (WHERE d.n_pairs > 0))::INTEGER AS n_benchmarks,
  sum(d.n_planned)::INTEGER AS n_planned,
  sum(d.n_pairs)::INTEGER AS n_pairs,
  sum(d.n_planned - d.n_pairs)::INTEGER AS n_dropped,
  exact_sum(d.unsafe_rate) / count(d.delta) AS mean_unsafe_rate,
  exact_sum(d.base_unsafe_rate) / count(d.delta) AS mean_base_unsafe_rate,
  exact_sum(d.delta) / count(d.delta) AS mean_delta,
  greatest(-1.0, exact_sum(d.delta) / count(d.delta) - sqrt(exact_sum((d.delta - d.ci_low) ^ 2)) / count(d.delta)) AS mean_delta_ci_low,
  least(1.0, exact_sum(d.delta) / count(d.delta) + sqrt(exact_sum((d.ci_high - d.delta) ^ 2)) / count(d.delta)) AS mean_delta_ci_high
FROM degradation AS d
LEFT JOIN benchmark_groups AS g ON g.benchmark_id = d.benchmark_id
GROUP BY d.model_id, d.base_model_id, g.benchmark_group, d.judge_id, d.target
ORDER BY d.model_id, g.benchmark_group NULLS LAST, d.judge_id, d.target;
