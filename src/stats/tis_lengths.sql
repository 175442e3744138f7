-- How long the thinking and the answers of a fine-tuning set are: records per length bin, per data
-- set and measure. Reads tis_records. Lengths are thinking_words and answer_words, whitespace-
-- separated words counted when the records were read (src/tis/parquet.ts). The thinking measure
-- counts only records that have thinking (thinking_words > 0); tis_length_summary.sql says how
-- many have none. Bins have fixed edges on a doubling scale, the same for every data set:
--   bin 0: 1-15 words, 1: 16-31, 2: 32-63, 3: 64-127, 4: 128-255, 5: 256-511, 6: 512-1023,
--   7: 1024-2047, 8: 2048-4095, 9: 4096 and more.
-- words_min / words_max are a bin's inclusive edges (words_max NULL for the open last bin); only bins
-- with records appear. share = n / the measure's records in the data set (the bins' shares add to 1).
WITH bins AS (
  SELECT * FROM (VALUES
    (0, 1, 15),
    (1, 16, 31),
    (2, 32, 63),
    (3, 64, 127),
    (4, 128, 255),
    (5, 256, 511),
    (6, 512, 1023),
    (7, 1024, 2047),
    (8, 2048, 4095),
    (9, 4096, NULL)
  ) AS t(bin, words_min, words_max)
),
lengths AS (
  SELECT dataset, is_simulated, 'thinking' AS measure, thinking_words AS words FROM tis_records WHERE thinking_words > 0
  UNION ALL
  SELECT dataset, is_simulated, 'answer' AS measure, answer_words AS words FROM tis_records WHERE answer_words > 0
),
totals AS (
  SELECT dataset, measure, count(*) AS measure_n FROM lengths GROUP BY dataset, measure
)
SELECT
  l.dataset,
  bool_or(l.is_simulated) AS is_simulated,
  l.measure,
  b.bin,
  b.words_min,
  b.words_max,
  count(*)::INTEGER AS n,
  count(*)::DOUBLE / any_value(t.measure_n) AS share
FROM lengths AS l
JOIN bins AS b ON l.words >= b.words_min AND (b.words_max IS NULL OR l.words <= b.words_max)
JOIN totals AS t ON t.dataset = l.dataset AND t.measure = l.measure
GROUP BY l.dataset, l.measure, b.bin, b.words_min, b.words_max
ORDER BY l.dataset, l.measure DESC, b.bin;
