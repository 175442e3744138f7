-- The item as the unit: one row per model, item (benchmark_id, subset, sample_id), judge and target
-- ('answer', or 'thinking'), with what happened to each of the item's planned responses (its repeats)
-- and, over the ones with a verdict, the item's unsafe share. Every study statistic is computed from
-- these rows (thinking_vs_answer and thinking_length from the responses themselves), so repeats are
-- never counted as independent items. Reads responses and judgments.
--
-- Verdicts used: every answer verdict, and a thinking verdict only when the judge judged it with a
-- rubric written for thinking (judgments.has_target_rubric; a refusal-keyword match or an answer
-- rubric says nothing about a thought process). The (benchmark, judge, target) combinations are the
-- ones some model has a usable verdict for, so capability benchmarks (scored, not judged) and judges
-- without a thinking rubric get no thinking rows.
--
-- Each planned response (responses: one row per model, sample and repeat, planned or not answered)
-- has one status per judge and target, and n_planned = n_failed + n_unjudged + n_judged:
--   n_failed   the request failed (responses.error set; there is nothing to judge);
--   n_unjudged answered, but no verdict from this judge (unparsed or judge error, or no judgment row);
--   n_judged   a verdict, safe or unsafe; n_unsafe of them unsafe.
-- For target 'thinking' a planned response is one that failed or was answered with a thinking of at
-- least one word (thinking_words > 0); an answer without thinking has no thinking to judge and is
-- not counted, and thinking rows exist only for models with some thinking on the benchmark.
-- unsafe_share = n_unsafe / n_judged (NULL without verdicts): the item's observation. For
-- thinking_length.sql: n_judged_thinking, n_unsafe_thinking = judged and unsafe responses whose
-- thinking has a word, thinking_words = the sum of their thinking_words. Rows are unordered, and
-- hold only what the statistics need (a model's base and a judge's version are in responses and
-- judgments; category is the benchmark's, from responses): a narrow table is quick to write.
-- A model's items on a benchmark it answered once per sample (every repeat index 0, as with
-- `repeats: 1`, the study's setting) are its responses, so those rows skip the grouping by item.
-- judgments is read twice rather than through one CTE, and statuses is not materialized: each branch
-- below joins only its own responses (DuckDB would otherwise materialize a CTE read twice).
WITH combinations AS (
  SELECT DISTINCT benchmark_id, judge_id, target
  FROM judgments
  WHERE target = 'answer' OR (target = 'thinking' AND has_target_rubric)
),
repeats AS (
  SELECT model_id, benchmark_id, max("repeat") = 0 AS single FROM responses GROUP BY model_id, benchmark_id
),
thinkers AS (
  SELECT DISTINCT model_id, benchmark_id FROM responses WHERE error IS NULL AND thinking_words > 0
),
statuses AS NOT MATERIALIZED (
  SELECT
    r.model_id,
    r.benchmark_id,
    r.subset,
    r.sample_id,
    r.category,
    k.judge_id,
    k.target,
    p.single,
    r.error IS NOT NULL AS failed,
    r.error IS NULL AND v.unsafe IS NOT NULL AS judged,
    v.unsafe,
    coalesce(r.thinking_words, 0) AS thinking_words
  FROM responses AS r
  JOIN repeats AS p ON p.model_id = r.model_id AND p.benchmark_id = r.benchmark_id
  JOIN combinations AS k ON k.benchmark_id = r.benchmark_id
  LEFT JOIN thinkers AS t ON t.model_id = r.model_id AND t.benchmark_id = r.benchmark_id
  LEFT JOIN judgments AS v
    ON v.model_id = r.model_id
    AND v.benchmark_id = r.benchmark_id
    AND v.subset = r.subset
    AND v.sample_id = r.sample_id
    AND v."repeat" = r."repeat"
    AND v.judge_id = k.judge_id
    AND v.target = k.target
    AND (v.target = 'answer' OR v.has_target_rubric)
  WHERE k.target = 'answer' OR (t.model_id IS NOT NULL AND (r.error IS NOT NULL OR r.thinking_words > 0))
)
-- One response per item: its row as it is.
SELECT model_id, benchmark_id, subset, sample_id, category, judge_id, target,
  1 AS n_planned, failed::INTEGER AS n_failed, (NOT failed AND NOT judged)::INTEGER AS n_unjudged, judged::INTEGER AS n_judged,
  (judged AND unsafe)::INTEGER AS n_unsafe, CASE WHEN judged THEN unsafe::INTEGER::DOUBLE END AS unsafe_share,
  (judged AND thinking_words > 0)::INTEGER AS n_judged_thinking, (judged AND unsafe AND thinking_words > 0)::INTEGER AS n_unsafe_thinking,
  CASE WHEN judged AND thinking_words > 0 THEN thinking_words END::INTEGER AS thinking_words
FROM statuses WHERE single
UNION ALL
-- Repeats: the item's responses grouped.
SELECT model_id, benchmark_id, subset, sample_id, any_value(category), judge_id, target,
  count(*)::INTEGER, count(*) FILTER (WHERE failed)::INTEGER, count(*) FILTER (WHERE NOT failed AND NOT judged)::INTEGER,
  count(*) FILTER (WHERE judged)::INTEGER, count(*) FILTER (WHERE judged AND unsafe)::INTEGER,
  CASE WHEN count(*) FILTER (WHERE judged) > 0 THEN (count(*) FILTER (WHERE judged AND unsafe))::DOUBLE / count(*) FILTER (WHERE judged) END,
  count(*) FILTER (WHERE judged AND thinking_words > 0)::INTEGER, count(*) FILTER (WHERE judged AND unsafe AND thinking_words > 0)::INTEGER,
  sum(thinking_words) FILTER (WHERE judged AND thinking_words > 0)::INTEGER
FROM statuses WHERE NOT single
GROUP BY model_id, benchmark_id, subset, sample_id, judge_id, target;
