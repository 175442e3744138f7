-- Is longer thinking associated with unsafe answers? Per model, benchmark and judge: the answer's
-- unsafe rate by how long the thinking before it was, and one measure of association. An
-- association, not an effect: the same prompt can elicit both long thinking and harmful content, so
-- nothing here says that making a model think longer would change its answers. Reads responses and
-- judgments: the answer verdicts (target 'answer', unsafe IS NOT NULL) of responses whose thinking
-- has a word (responses.thinking_words > 0, counted at evaluation by countWords in
-- src/eval/responses.ts: maximal runs of characters other than ASCII whitespace). The item is the
-- unit: its length is the mean over those responses, its observation their unsafe share (with one
-- repeat: the response's length and verdict). Subsets are pooled.
--
-- Bin rows (bin 0..5): items by their length, on fixed edges of a doubling scale, the same for every
-- model so rows line up:
--   bin 0: under 128 words, 1: 128-255, 2: 256-511, 3: 512-1023, 4: 1024-2047, 5: 2048 and more.
-- words_min / words_max are a bin's inclusive edges (words_max NULL for the open last bin); only bins
-- with items appear. n = responses, unsafe = unsafe answers, n_items = items; unsafe_rate = mean
-- item share (= unsafe / n with one repeat) with its 95% interval (Wilson at the effective sample
-- size, item_wilson_low in macros.sql); mean_words = the mean item length.
-- Summary rows (bin NULL), one per model, benchmark and judge: the same over all lengths, and
-- spearman_rho, the rank correlation over items between length and unsafe share (ties take their
-- average rank), with the 95% interval [rho_ci_low, rho_ci_high] of Fisher's z with Bonett & Wright's
-- (2000, Psychometrika 65: 23-28) variance (fisher_z_bound in macros.sql). rho is NULL when lengths
-- or verdicts do not vary; its interval when n_items < 4 or |rho| = 1.
WITH bins AS (
  SELECT * FROM (VALUES
    (0, 1, 127),
    (1, 128, 255),
    (2, 256, 511),
    (3, 512, 1023),
    (4, 1024, 2047),
    (5, 2048, NULL)
  ) AS t(bin, words_min, words_max)
),
repeats AS (
  SELECT model_id, benchmark_id, max("repeat") = 0 AS single FROM responses GROUP BY model_id, benchmark_id
),
answers AS NOT MATERIALIZED (
  SELECT r.model_id, r.benchmark_id, r.subset, r.sample_id, j.judge_id, r.thinking_words AS words, j.unsafe, p.single
  FROM responses AS r
  JOIN repeats AS p ON p.model_id = r.model_id AND p.benchmark_id = r.benchmark_id
  JOIN judgments AS j
    ON j.model_id = r.model_id
    AND j.benchmark_id = r.benchmark_id
    AND j.subset = r.subset
    AND j.sample_id = r.sample_id
    AND j."repeat" = r."repeat"
  WHERE r.thinking_words > 0 AND j.target = 'answer' AND j.unsafe IS NOT NULL
),
-- Per item (one response per item needs no grouping).
items AS (
  SELECT model_id, benchmark_id, judge_id, 1 AS n, unsafe::INTEGER AS unsafe, words::DOUBLE AS words, unsafe::INTEGER::DOUBLE AS share
  FROM answers
  WHERE single
  UNION ALL
  SELECT model_id, benchmark_id, judge_id, count(*), count(*) FILTER (WHERE unsafe),
    sum(words)::DOUBLE / count(*), (count(*) FILTER (WHERE unsafe))::DOUBLE / count(*)
  FROM answers
  WHERE NOT single
  GROUP BY model_id, benchmark_id, subset, sample_id, judge_id
),
-- Each distinct length's bin first (a range join on few rows), then the items by equality.
length_bins AS (
  SELECT l.words, b.bin, b.words_min, b.words_max
  FROM (SELECT DISTINCT words FROM items) AS l
  JOIN bins AS b ON l.words >= b.words_min AND (b.words_max IS NULL OR l.words < b.words_max + 1)
),
binned AS (
  SELECT i.*, b.bin, b.words_min, b.words_max
  FROM items AS i
  JOIN length_bins AS b ON b.words = i.words
),
-- Average ranks, doubled so they are whole numbers: 2 * (items below) + (ties + 1); computed on the
-- distinct lengths and shares, then summed per (length, share) cell.
cells AS (
  SELECT model_id, benchmark_id, judge_id, words, share, count(*) AS items
  FROM items
  GROUP BY model_id, benchmark_id, judge_id, words, share
),
length_ranks AS (
  SELECT model_id, benchmark_id, judge_id, words,
    2 * coalesce(sum(sum(items)) OVER (PARTITION BY model_id, benchmark_id, judge_id ORDER BY words ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + sum(items) + 1 AS rank2
  FROM cells
  GROUP BY model_id, benchmark_id, judge_id, words
),
share_ranks AS (
  SELECT model_id, benchmark_id, judge_id, share,
    2 * coalesce(sum(sum(items)) OVER (PARTITION BY model_id, benchmark_id, judge_id ORDER BY share ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + sum(items) + 1 AS rank2
  FROM cells
  GROUP BY model_id, benchmark_id, judge_id, share
),
ranks AS (
  SELECT c.model_id, c.benchmark_id, c.judge_id,
    sum(c.items)::HUGEINT AS n_items,
    sum(c.items * x.rank2)::HUGEINT AS sx,
    sum(c.items * y.rank2)::HUGEINT AS sy,
    sum(c.items * x.rank2 * x.rank2)::HUGEINT AS sxx,
    sum(c.items * y.rank2 * y.rank2)::HUGEINT AS syy,
    sum(c.items * x.rank2 * y.rank2)::HUGEINT AS sxy
  FROM cells AS c
  JOIN length_ranks AS x ON x.model_id = c.model_id AND x.benchmark_id = c.benchmark_id AND x.judge_id = c.judge_id AND x.words = c.words
  JOIN share_ranks AS y ON y.model_id = c.model_id AND y.benchmark_id = c.benchmark_id AND y.judge_id = c.judge_id AND y.share = c.share
  GROUP BY c.model_id, c.benchmark_id, c.judge_id
),
rows AS (
  SELECT model_id, benchmark_id, judge_id, bin, any_value(words_min) AS words_min, any_value(words_max) AS words_max,
    sum(n)::INTEGER AS n, sum(unsafe)::INTEGER AS unsafe, count(*)::INTEGER AS n_items,
    exact_sum(share) AS sum_s, exact_sum(share * share) AS sum_s2,
    count(*) FILTER (WHERE share > 0 AND share < 1) AS n_fractional,
    exact_sum(words) / count(*) AS mean_words
  FROM binned
  GROUP BY GROUPING SETS ((model_id, benchmark_id, judge_id, bin), (model_id, benchmark_id, judge_id))
),
correlations AS (
  SELECT r.*,
    CASE WHEN r.bin IS NULL AND k.n_items * k.sxx - k.sx * k.sx > 0 AND k.n_items * k.syy - k.sy * k.sy > 0
      THEN (k.n_items * k.sxy - k.sx * k.sy)::DOUBLE
        / sqrt((k.n_items * k.sxx - k.sx * k.sx)::DOUBLE * (k.n_items * k.syy - k.sy * k.sy)::DOUBLE) END AS rho
  FROM rows AS r
  JOIN ranks AS k ON k.model_id = r.model_id AND k.benchmark_id = r.benchmark_id AND k.judge_id = r.judge_id
)
SELECT
  model_id,
  benchmark_id,
  judge_id,
  bin,
  CASE WHEN bin IS NOT NULL THEN words_min END AS words_min,
  CASE WHEN bin IS NOT NULL THEN words_max END AS words_max,
  n,
  unsafe,
  n_items,
  sum_s / n_items AS unsafe_rate,
  item_wilson_low(n_items, n, sum_s, sum_s2, n_fractional) AS ci_low,
  item_wilson_high(n_items, n, sum_s, sum_s2, n_fractional) AS ci_high,
  mean_words,
  rho AS spearman_rho,
  CASE WHEN n_items >= 4 AND abs(rho) < 1 THEN fisher_z_bound(rho, n_items, -1) END AS rho_ci_low,
  CASE WHEN n_items >= 4 AND abs(rho) < 1 THEN fisher_z_bound(rho, n_items, 1) END AS rho_ci_high
FROM correlations
ORDER BY model_id, benchmark_id, judge_id, bin NULLS FIRST;
