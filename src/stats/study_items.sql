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
-- unsafe_share = n_unsafe / n_judged (NULL without verdicts): the item's observation. category is
-- the benchmark's. Rows are unordered, and hold only what the statistics need (a model's base and a
-- judge's version are in responses and judgments): a narrow table is quick to write.
--
-- How: every verdict row is a judged or unjudged response; failed requests come from responses;
-- answered texts with no verdict row at all (a judgments file older than its responses) are looked
-- for one by one only where the counts say some exist. So the statistics never join every response
-- with every verdict. A model's items on a benchmark it answered once per sample (every repeat
-- index 0, as with `repeats: 1`, the study's setting) are its responses, so those rows skip the
-- grouping by item.
-- usable, statuses and flagged are read twice but not materialized: each use reads only its rows.
WITH usable AS NOT MATERIALIZED (
  SELECT model_id, benchmark_id, subset, sample_id, category, "repeat", judge_id, target, unsafe
  FROM judgments
  WHERE target = 'answer' OR (target = 'thinking' AND has_target_rubric)
),
combinations AS (
  SELECT DISTINCT benchmark_id, judge_id, target FROM usable
),
answered AS (
  SELECT model_id, benchmark_id,
    max("repeat") = 0 AS single,
    count(*) FILTER (WHERE error IS NULL) AS n_answered,
    count(*) FILTER (WHERE error IS NULL AND thinking_words > 0) AS n_thinking
  FROM responses
  GROUP BY model_id, benchmark_id
),
-- The texts each (model, benchmark, judge, target) should have a verdict row for: every answer; for
-- thinking, the answers with thinking of a model that thinks there.
expected AS (
  SELECT a.model_id, a.benchmark_id, a.single, k.judge_id, k.target,
    CASE WHEN k.target = 'answer' THEN a.n_answered ELSE a.n_thinking END AS n_texts
  FROM answered AS a
  JOIN combinations AS k ON k.benchmark_id = a.benchmark_id
  WHERE k.target = 'answer' OR a.n_thinking > 0
),
verdict_rows AS (
  SELECT model_id, benchmark_id, judge_id, target, count(*) AS n_rows FROM usable GROUP BY ALL
),
-- Where some answered text has no verdict row at all (normally nowhere): those texts, found one by one.
incomplete AS (
  SELECT e.model_id, e.benchmark_id, e.judge_id, e.target
  FROM expected AS e
  LEFT JOIN verdict_rows AS v USING (model_id, benchmark_id, judge_id, target)
  WHERE coalesce(v.n_rows, 0) < e.n_texts
),
statuses AS NOT MATERIALIZED (
  -- Responses with a verdict row (a verdict, or unparsed / judge error).
  SELECT v.model_id, v.benchmark_id, v.subset, v.sample_id, v.category, v.judge_id, v.target,
    false AS failed, v.unsafe IS NOT NULL AS judged, v.unsafe
  FROM usable AS v
  UNION ALL
  -- Failed requests: nothing to judge, for every judge and target of the benchmark.
  SELECT r.model_id, r.benchmark_id, r.subset, r.sample_id, r.category, e.judge_id, e.target, true, false, NULL
  FROM responses AS r
  JOIN expected AS e ON e.model_id = r.model_id AND e.benchmark_id = r.benchmark_id
  WHERE r.error IS NOT NULL
  UNION ALL
  -- Answered texts without a verdict row.
  SELECT r.model_id, r.benchmark_id, r.subset, r.sample_id, r.category, i.judge_id, i.target, false, false, NULL
  FROM responses AS r
  JOIN incomplete AS i ON i.model_id = r.model_id AND i.benchmark_id = r.benchmark_id
  WHERE r.error IS NULL AND (i.target = 'answer' OR r.thinking_words > 0)
    AND NOT EXISTS (
      SELECT 1 FROM usable AS v
      WHERE v.model_id = r.model_id AND v.benchmark_id = r.benchmark_id AND v.subset = r.subset
        AND v.sample_id = r.sample_id AND v."repeat" = r."repeat" AND v.judge_id = i.judge_id AND v.target = i.target)
),
flagged AS NOT MATERIALIZED (
  SELECT s.*, a.single
  FROM statuses AS s
  JOIN answered AS a ON a.model_id = s.model_id AND a.benchmark_id = s.benchmark_id
)
SELECT model_id, benchmark_id, subset, sample_id, category, judge_id, target,
  1 AS n_planned, failed::INTEGER AS n_failed, (NOT failed AND NOT judged)::INTEGER AS n_unjudged, judged::INTEGER AS n_judged,
  (judged AND unsafe)::INTEGER AS n_unsafe, CASE WHEN judged THEN unsafe::INTEGER::DOUBLE END AS unsafe_share
FROM flagged
WHERE single
UNION ALL
SELECT model_id, benchmark_id, subset, sample_id, any_value(category), judge_id, target,
  count(*)::INTEGER, count(*) FILTER (WHERE failed)::INTEGER, count(*) FILTER (WHERE NOT failed AND NOT judged)::INTEGER,
  count(*) FILTER (WHERE judged)::INTEGER, count(*) FILTER (WHERE judged AND unsafe)::INTEGER,
  CASE WHEN count(*) FILTER (WHERE judged) > 0 THEN (count(*) FILTER (WHERE judged AND unsafe))::DOUBLE / count(*) FILTER (WHERE judged) END
FROM flagged
WHERE NOT single
GROUP BY model_id, benchmark_id, subset, sample_id, judge_id, target;
