-- What a fine-tuning set is made of: records per data set, image source and harm category. Reads
-- tis_records (one row per record; src/site/tis.ts). harm_category is the safety specification's
-- category (experiments/tis/safety-spec.yaml) of the record's source category, NULL where the
-- record has none (benign requests, VLGuard images, whose paths carry no category). Every
-- (dataset, source, harm_category) with a record appears once; NULL categories form their own row.
-- share = n / the data set's records. refusals = records whose answer opens with a refusal
-- (is_refusal, a heuristic); labelled_harmful / labelled_benign count the records whose request the
-- input labels (is_harmful_request), the rest are unlabelled. is_simulated: any of the rows is.
WITH totals AS (
  SELECT dataset, count(*) AS dataset_n
  FROM tis_records
  GROUP BY dataset
)
SELECT
  r.dataset,
  bool_or(r.is_simulated) AS is_simulated,
  r.source,
  r.harm_category,
  count(*)::INTEGER AS n,
  count(*)::DOUBLE / any_value(t.dataset_n) AS share,
  count(*) FILTER (WHERE r.is_refusal)::INTEGER AS refusals,
  count(*) FILTER (WHERE r.is_harmful_request)::INTEGER AS labelled_harmful,
  count(*) FILTER (WHERE NOT r.is_harmful_request)::INTEGER AS labelled_benign
FROM tis_records AS r
JOIN totals AS t USING (dataset)
GROUP BY r.dataset, r.source, r.harm_category
ORDER BY r.dataset, r.source, r.harm_category NULLS LAST;
