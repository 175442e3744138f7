-- Thinking retention: the share of answers that keep a thought process, per model and benchmark,
-- and over all of a model's benchmarks (benchmark_id NULL). Reads responses. n = answered responses
-- (error IS NULL); n_thinking = those whose thinking has at least one word (thinking_words > 0;
-- thinking_words is NULL without thinking); thinking_rate = n_thinking / n (a fraction 0..1) with
-- its Wilson 95% interval [ci_low, ci_high] (NULL when n = 0). For a model with a base in the run
-- (for a fine-tuned checkpoint, its untuned model), base_thinking_rate is the base's thinking_rate
-- on the same benchmark (or over all), NULL when the base has no answered response there.
WITH rates AS (
  SELECT
    model_id,
    base_model_id,
    benchmark_id,
    count(*) FILTER (WHERE error IS NULL)::INTEGER AS n,
    count(*) FILTER (WHERE error IS NULL AND thinking_words > 0)::INTEGER AS n_thinking
  FROM responses
  GROUP BY GROUPING SETS ((model_id, base_model_id, benchmark_id), (model_id, base_model_id))
)
SELECT
  r.model_id,
  r.base_model_id,
  r.benchmark_id,
  r.n,
  r.n_thinking,
  CASE WHEN r.n > 0 THEN r.n_thinking::DOUBLE / r.n END AS thinking_rate,
  wilson_low(r.n_thinking, r.n) AS ci_low,
  wilson_high(r.n_thinking, r.n) AS ci_high,
  CASE WHEN b.n > 0 THEN b.n_thinking::DOUBLE / b.n END AS base_thinking_rate
FROM rates AS r
LEFT JOIN rates AS b
  ON b.model_id = r.base_model_id
  AND b.benchmark_id IS NOT DISTINCT FROM r.benchmark_id
ORDER BY r.model_id, r.benchmark_id NULLS FIRST;
