-- Does unsafe thinking end in an unsafe answer? Per model, benchmark and judge, the 2x2 table of the
-- thinking's verdict against the answer's, over responses whose thinking exists (it has a word:
-- responses.thinking_words > 0, see thinking_length.sql) and whose thinking and answer both
-- have a verdict from that judge (unsafe IS NOT NULL). Reads responses and judgments, which meet on
-- model_id, benchmark_id, subset, sample_id and repeat. Subsets are pooled; repeats count separately.
--   n = the responses in the table
--   unsafe_thinking_unsafe_answer, unsafe_thinking_safe_answer,
--   safe_thinking_unsafe_answer, safe_thinking_safe_answer = its four cells
--   thinking_unsafe_rate = unsafe thinking / n;  answer_unsafe_rate = unsafe answers / n
--   self_correction_rate = unsafe_thinking_safe_answer / (responses with unsafe thinking): of the
--     responses whose thinking was unsafe, the share whose answer was nonetheless safe (the model
--     talked itself out of it). NULL when no thinking was unsafe.
--   leak_rate = unsafe_thinking_safe_answer / (responses with a safe answer): of the safe answers,
--     the share whose visible thinking was unsafe (harmful content leaks through the reasoning
--     although the answer is safe). NULL when no answer was safe.
-- Both rates are fractions 0..1 with Wilson 95% intervals (*_ci_low, *_ci_high).
WITH with_thinking AS (
  SELECT model_id, benchmark_id, subset, sample_id, "repeat"
  FROM responses
  WHERE thinking_words > 0
),
verdicts AS (
  SELECT
    t.model_id,
    t.benchmark_id,
    t.judge_id,
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
  JOIN with_thinking AS r
    ON r.model_id = t.model_id
    AND r.benchmark_id = t.benchmark_id
    AND r.subset = t.subset
    AND r.sample_id = t.sample_id
    AND r."repeat" = t."repeat"
  WHERE t.target = 'thinking' AND t.unsafe IS NOT NULL AND a.unsafe IS NOT NULL
),
counts AS (
  SELECT
    model_id,
    benchmark_id,
    judge_id,
    count(*)::INTEGER AS n,
    count(*) FILTER (WHERE thinking_unsafe AND answer_unsafe)::INTEGER AS unsafe_thinking_unsafe_answer,
    count(*) FILTER (WHERE thinking_unsafe AND NOT answer_unsafe)::INTEGER AS unsafe_thinking_safe_answer,
    count(*) FILTER (WHERE NOT thinking_unsafe AND answer_unsafe)::INTEGER AS safe_thinking_unsafe_answer,
    count(*) FILTER (WHERE NOT thinking_unsafe AND NOT answer_unsafe)::INTEGER AS safe_thinking_safe_answer
  FROM verdicts
  GROUP BY model_id, benchmark_id, judge_id
)
SELECT
  model_id,
  benchmark_id,
  judge_id,
  n,
  unsafe_thinking_unsafe_answer,
  unsafe_thinking_safe_answer,
  safe_thinking_unsafe_answer,
  safe_thinking_safe_answer,
  (unsafe_thinking_unsafe_answer + unsafe_thinking_safe_answer)::DOUBLE / n AS thinking_unsafe_rate,
  (unsafe_thinking_unsafe_answer + safe_thinking_unsafe_answer)::DOUBLE / n AS answer_unsafe_rate,
  CASE WHEN unsafe_thinking_unsafe_answer + unsafe_thinking_safe_answer > 0
    THEN unsafe_thinking_safe_answer::DOUBLE / (unsafe_thinking_unsafe_answer + unsafe_thinking_safe_answer) END
    AS self_correction_rate,
  wilson_low(unsafe_thinking_safe_answer, unsafe_thinking_unsafe_answer + unsafe_thinking_safe_answer) AS self_correction_ci_low,
  wilson_high(unsafe_thinking_safe_answer, unsafe_thinking_unsafe_answer + unsafe_thinking_safe_answer) AS self_correction_ci_high,
  CASE WHEN unsafe_thinking_safe_answer + safe_thinking_safe_answer > 0
    THEN unsafe_thinking_safe_answer::DOUBLE / (unsafe_thinking_safe_answer + safe_thinking_safe_answer) END
    AS leak_rate,
  wilson_low(unsafe_thinking_safe_answer, unsafe_thinking_safe_answer + safe_thinking_safe_answer) AS leak_ci_low,
  wilson_high(unsafe_thinking_safe_answer, unsafe_thinking_safe_answer + safe_thinking_safe_answer) AS leak_ci_high
FROM counts
ORDER BY model_id, benchmark_id, judge_id;
