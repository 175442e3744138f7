-- Does unsafe thinking end in an unsafe answer? Per model, benchmark and judge, the 2x2 table of the
-- thinking's verdict against the answer's, over responses whose thinking exists (it has a word:
-- responses.thinking_words > 0, see thinking_length.sql) and whose thinking and answer both have a
-- verdict from that judge (unsafe IS NOT NULL). Only thinking verdicts reached with a rubric
-- written for thinking count (judgments.has_target_rubric): a refusal-keyword match, or an answer
-- rubric, is no judgment of a thought process. No human labels exist for thinking, so these
-- verdicts are not calibrated. Reads responses and judgments, which meet on model_id, benchmark_id,
-- subset, sample_id and repeat. Subsets are pooled.
--   n = the responses in the table; n_items = their items (benchmark sample, any repeat)
--   unsafe_thinking_unsafe_answer, unsafe_thinking_safe_answer,
--   safe_thinking_unsafe_answer, safe_thinking_safe_answer = its four cells, in responses
-- Rates take the item as the unit: each item's share among its own responses, averaged over items
-- (each item weighs the same; with one repeat, the plain ratio of the cells):
--   thinking_unsafe_rate, answer_unsafe_rate = mean share of unsafe thinking, of unsafe answers
--   self_correction_rate = over items with unsafe thinking, the mean share of their unsafe-thinking
--     responses whose answer was nonetheless safe (the model talked itself out of it). NULL when no
--     thinking was unsafe.
--   leak_rate = over items with a safe answer, the mean share of their safe answers whose visible
--     thinking was unsafe (harmful content leaks through the reasoning although the answer is
--     safe). NULL when no answer was safe.
-- Both with 95% intervals (*_ci_low, *_ci_high): Wilson at the effective sample size
-- (item_wilson_low in macros.sql; plain Wilson with one repeat). A model's responses on a benchmark
-- it answered once per sample (every repeat 0) are its items, so they skip the grouping by item.
WITH repeats AS (
  SELECT model_id, benchmark_id, max("repeat") = 0 AS single FROM responses GROUP BY model_id, benchmark_id
),
with_thinking AS (
  SELECT model_id, benchmark_id, subset, sample_id, "repeat"
  FROM responses
  WHERE error IS NULL AND thinking_words > 0
),
verdicts AS NOT MATERIALIZED (
  SELECT
    t.model_id,
    t.benchmark_id,
    t.subset,
    t.sample_id,
    t.judge_id,
    p.single,
    t.unsafe AS thinking_unsafe,
    a.unsafe AS answer_unsafe
  FROM judgments AS t
  JOIN judgments AS a
    ON a.model_id = t.model_id
    AND a.benchmark_id = t.benchmark_id
    AND a.subset = t.subset
    AND a.sample_id = t.sample_id
    AND a."repeat" = t."repeat"
    AND a.judge_id = t.judge_id
    AND a.target = 'answer'
  JOIN repeats AS p ON p.model_id = t.model_id AND p.benchmark_id = t.benchmark_id
  JOIN with_thinking AS r
    ON r.model_id = t.model_id
    AND r.benchmark_id = t.benchmark_id
    AND r.subset = t.subset
    AND r.sample_id = t.sample_id
    AND r."repeat" = t."repeat"
  WHERE t.target = 'thinking' AND t.has_target_rubric AND t.unsafe IS NOT NULL AND a.unsafe IS NOT NULL
),
-- Per item: the cells of its responses (one response per item needs no grouping).
items AS (
  SELECT
    model_id,
    benchmark_id,
    judge_id,
    1 AS n,
    (thinking_unsafe AND answer_unsafe)::INTEGER AS uu,
    (thinking_unsafe AND NOT answer_unsafe)::INTEGER AS us,
    (NOT thinking_unsafe AND answer_unsafe)::INTEGER AS su,
    (NOT thinking_unsafe AND NOT answer_unsafe)::INTEGER AS ss
  FROM verdicts
  WHERE single
  UNION ALL
  SELECT
    model_id,
    benchmark_id,
    judge_id,
    count(*),
    count(*) FILTER (WHERE thinking_unsafe AND answer_unsafe),
    count(*) FILTER (WHERE thinking_unsafe AND NOT answer_unsafe),
    count(*) FILTER (WHERE NOT thinking_unsafe AND answer_unsafe),
    count(*) FILTER (WHERE NOT thinking_unsafe AND NOT answer_unsafe)
  FROM verdicts
  WHERE NOT single
  GROUP BY model_id, benchmark_id, subset, sample_id, judge_id
),
shares AS (
  SELECT *,
    (uu + us)::DOUBLE / n AS thinking_share,
    (uu + su)::DOUBLE / n AS answer_share,
    CASE WHEN uu + us > 0 THEN us::DOUBLE / (uu + us) END AS correction_share,
    CASE WHEN us + ss > 0 THEN us::DOUBLE / (us + ss) END AS leak_share
  FROM items
),
counts AS (
  SELECT
    model_id,
    benchmark_id,
    judge_id,
    sum(n)::INTEGER AS n,
    count(*)::INTEGER AS n_items,
    sum(uu)::INTEGER AS unsafe_thinking_unsafe_answer,
    sum(us)::INTEGER AS unsafe_thinking_safe_answer,
    sum(su)::INTEGER AS safe_thinking_unsafe_answer,
    sum(ss)::INTEGER AS safe_thinking_safe_answer,
    exact_sum(thinking_share) / count(*) AS thinking_unsafe_rate,
    exact_sum(answer_share) / count(*) AS answer_unsafe_rate,
    count(correction_share) AS c_items,
    sum(uu + us) FILTER (WHERE correction_share IS NOT NULL) AS c_obs,
    coalesce(exact_sum(correction_share), 0) AS c_sum,
    coalesce(exact_sum(correction_share * correction_share), 0) AS c_sum2,
    count(*) FILTER (WHERE correction_share > 0 AND correction_share < 1) AS c_fractional,
    count(leak_share) AS l_items,
    sum(us + ss) FILTER (WHERE leak_share IS NOT NULL) AS l_obs,
    coalesce(exact_sum(leak_share), 0) AS l_sum,
    coalesce(exact_sum(leak_share * leak_share), 0) AS l_sum2,
    count(*) FILTER (WHERE leak_share > 0 AND leak_share < 1) AS l_fractional
  FROM shares
  GROUP BY model_id, benchmark_id, judge_id
)
SELECT
  model_id,
  benchmark_id,
  judge_id,
  n,
  n_items,
  unsafe_thinking_unsafe_answer,
  unsafe_thinking_safe_answer,
  safe_thinking_unsafe_answer,
  safe_thinking_safe_answer,
  thinking_unsafe_rate,
  answer_unsafe_rate,
  CASE WHEN c_items > 0 THEN c_sum / c_items END AS self_correction_rate,
  item_wilson_low(c_items, c_obs, c_sum, c_sum2, c_fractional) AS self_correction_ci_low,
  item_wilson_high(c_items, c_obs, c_sum, c_sum2, c_fractional) AS self_correction_ci_high,
  CASE WHEN l_items > 0 THEN l_sum / l_items END AS leak_rate,
  item_wilson_low(l_items, l_obs, l_sum, l_sum2, l_fractional) AS leak_ci_low,
  item_wilson_high(l_items, l_obs, l_sum, l_sum2, l_fractional) AS leak_ci_high
FROM counts
ORDER BY model_id, benchmark_id, judge_id;
