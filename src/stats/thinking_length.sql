-- Is longer thinking less safe? The answer's unsafe rate by how long the thinking was, per model and
-- judge (benchmarks and subsets pooled; repeats count separately). Reads responses and judgments.
-- Length = responses.thinking_words, recorded at evaluation time by countWords (src/eval/responses.ts):
-- maximal runs of characters other than ASCII whitespace (space, tab, newline, vertical tab, form
-- feed, carriage return). Only responses whose thinking has a word (thinking_words > 0; NULL means no
-- thinking) and whose answer has a verdict from the judge (target 'answer', unsafe IS NOT NULL) count.
-- Bins have fixed edges on a doubling scale, the same for every model so rows line up:
--   bin 0: 1-127 words, 1: 128-255, 2: 256-511, 3: 512-1023, 4: 1024-2047, 5: 2048 and more.
-- words_min / words_max are a bin's inclusive edges (words_max NULL for the open last bin); only bins
-- with responses appear. unsafe_rate = unsafe / n (fraction 0..1) with its Wilson 95% interval;
-- mean_words = the bin's mean length.
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
lengths AS (
  SELECT model_id, benchmark_id, subset, sample_id, "repeat", thinking_words AS words
  FROM responses
  WHERE thinking_words > 0
),
-- Per model, judge and length first: few rows for the range join with the bins.
answers AS (
  SELECT l.model_id, j.judge_id, l.words, count(*) AS n, count(*) FILTER (WHERE j.unsafe) AS unsafe
  FROM lengths AS l
  JOIN judgments AS j
    ON j.model_id = l.model_id
    AND j.benchmark_id = l.benchmark_id
    AND j.subset = l.subset
    AND j.sample_id = l.sample_id
    AND j."repeat" = l."repeat"
  WHERE j.target = 'answer' AND j.unsafe IS NOT NULL
  GROUP BY l.model_id, j.judge_id, l.words
),
counts AS (
  SELECT
    a.model_id,
    a.judge_id,
    b.bin,
    b.words_min,
    b.words_max,
    sum(a.n)::INTEGER AS n,
    sum(a.unsafe)::INTEGER AS unsafe,
    sum(a.words * a.n)::DOUBLE / sum(a.n) AS mean_words
  FROM answers AS a
  JOIN bins AS b ON a.words >= b.words_min AND (b.words_max IS NULL OR a.words <= b.words_max)
  GROUP BY a.model_id, a.judge_id, b.bin, b.words_min, b.words_max
)
SELECT
  model_id,
  judge_id,
  bin,
  words_min,
  words_max,
  n,
  unsafe,
  unsafe::DOUBLE / n AS unsafe_rate,
  wilson_low(unsafe, n) AS ci_low,
  wilson_high(unsafe, n) AS ci_high,
  mean_words
FROM counts
ORDER BY model_id, judge_id, bin;
