-- The filter funnel of a TiS build: how many items each check took out, in the order the build runs
-- them (src/tis/pipeline/filters.ts DROP_REASONS; a test keeps the list below in step). Reads
-- tis_filtered: one row per input item of a build (its filtered.parquet), kept or dropped with the
-- first check it failed (drop_reason) and why (drop_detail). Every check appears for every data set,
-- also when it dropped nothing. rows_in = items that reached the check (the data set's items less
-- those dropped by earlier checks); dropped = items it dropped; rows_out = rows_in - dropped, so the
-- last check's rows_out is the number kept. dropped_share = dropped / rows_in (NULL when nothing
-- reached it). example_detail = drop_detail of the first item (by position) the check dropped.
-- is_simulated: any of the data set's items is.
WITH checks AS (
  SELECT * FROM (VALUES
    (1, 'duplicate', 'deduplication', 'the same normalised question and images as an earlier item (dropped before any request)'),
    (2, 'caption_error', 'captions', 'no caption: the captioner''s request failed or its reply was empty'),
    (3, 'teacher_error', 'teacher answers', 'the teacher''s request failed'),
    (4, 'truncated', 'well-formed answer', 'the teacher''s reply was cut off at max_tokens'),
    (5, 'malformed_tags', 'well-formed answer', 'not one <think>…</think> block followed by an answer'),
    (6, 'thinking_too_short', 'thinking length', 'fewer thinking words than the lower bound'),
    (7, 'thinking_too_long', 'thinking length', 'more thinking words than the upper bound'),
    (8, 'harmful_complied', 'refusal consistency', 'a harmful request the judge finds complied with'),
    (9, 'benign_refused', 'refusal consistency', 'a benign request whose answer carries a refusal phrase'),
    (10, 'judge_unresolved', 'refusal consistency', 'the judge reached no verdict on a harmful request')
  ) AS t(step, check_id, stage, description)
),
datasets AS (
  SELECT dataset, count(*) AS items, bool_or(is_simulated) AS is_simulated
  FROM tis_filtered
  GROUP BY dataset
),
drops AS (
  SELECT dataset, drop_reason, count(*) AS dropped, arg_min(drop_detail, position) AS example_detail
  FROM tis_filtered
  WHERE NOT kept
  GROUP BY dataset, drop_reason
),
steps AS (
  SELECT
    d.dataset,
    d.is_simulated,
    d.items,
    c.step,
    c.check_id,
    c.stage,
    c.description,
    coalesce(x.dropped, 0) AS dropped,
    x.example_detail
  FROM datasets AS d
  CROSS JOIN checks AS c
  LEFT JOIN drops AS x ON x.dataset = d.dataset AND x.drop_reason = c.check_id
),
counted AS (
  SELECT
    *,
    items - coalesce(sum(dropped) OVER (PARTITION BY dataset ORDER BY step ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS rows_in
  FROM steps
)
SELECT
  dataset,
  is_simulated,
  step,
  check_id,
  stage,
  description,
  rows_in::INTEGER AS rows_in,
  dropped::INTEGER AS dropped,
  (rows_in - dropped)::INTEGER AS rows_out,
  CASE WHEN rows_in > 0 THEN dropped::DOUBLE / rows_in END AS dropped_share,
  example_detail
FROM counted
ORDER BY dataset, step;
