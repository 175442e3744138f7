-- The thinking and answer lengths of a fine-tuning set in a few numbers, per data set and measure.
-- Reads tis_records; lengths as in tis_lengths.sql (words). n = records with the text (words > 0),
-- n_without = records without it (for thinking: records with no thought process); min_words,
-- median_words (the continuous median: the mean of the two middle values for an even n),
-- mean_words and max_words are over those n. Both measures appear for every data set.
WITH lengths AS (
  SELECT dataset, is_simulated, 'thinking' AS measure, thinking_words AS words FROM tis_records
  UNION ALL
  SELECT dataset, is_simulated, 'answer' AS measure, answer_words AS words FROM tis_records
)
SELECT
  dataset,
  bool_or(is_simulated) AS is_simulated,
  measure,
  count(*) FILTER (WHERE words > 0)::INTEGER AS n,
  count(*) FILTER (WHERE coalesce(words, 0) = 0)::INTEGER AS n_without,
  min(words) FILTER (WHERE words > 0)::INTEGER AS min_words,
  quantile_cont(words::DOUBLE, 0.5) FILTER (WHERE words > 0) AS median_words,
  avg(words::DOUBLE) FILTER (WHERE words > 0) AS mean_words,
  max(words) FILTER (WHERE words > 0)::INTEGER AS max_words
FROM lengths
GROUP BY dataset, measure
ORDER BY dataset, measure DESC;
