-- Agreement among the human annotators: Fleiss' kappa over all items, with a seeded percentile
-- bootstrap 95% interval (items resampled; 2,000 replicates, seed 20240401), and the share of
-- items on which every annotator gave the same label (unanimity, percent, Wilson 95% interval).
-- Reads human_labels(item_index, annotator, is_jailbroken). Items need at least two labels.
-- kappa is NULL when every label is the same category (chance agreement 1); replicates where that
-- happens are left out of the percentiles (quantile_cont ignores NULL).
WITH items AS (
  SELECT
    item_index,
    count(*) AS m,
    count(*) FILTER (WHERE is_jailbroken) AS pos
  FROM human_labels
  GROUP BY item_index
  HAVING count(*) >= 2
),
numbered AS (
  SELECT row_number() OVER (ORDER BY item_index) - 1 AS slot, m, pos FROM items
),
-- Each replicate draws as many items as there are, with replacement.
draws AS (
  SELECT r.b, bootstrap_pick(20240401, r.b, k.slot, t.n_items) AS slot
  FROM range(1, 2001) AS r(b)
  CROSS JOIN numbered AS k
  CROSS JOIN (SELECT count(*) AS n_items FROM numbered) AS t
),
resampled AS (
  SELECT d.b, n.m, n.pos FROM draws AS d JOIN numbered AS n ON n.slot = d.slot
),
-- Fleiss (1971): mean observed pairwise agreement against the agreement expected from the
-- pooled category shares.
per_sample AS (
  SELECT
    0 AS b,
    avg((pos * pos + (m - pos) * (m - pos) - m)::DOUBLE / (m * (m - 1))) AS p_bar,
    sum(pos)::DOUBLE / sum(m) AS p_pos
  FROM numbered
  UNION ALL
  SELECT
    b,
    avg((pos * pos + (m - pos) * (m - pos) - m)::DOUBLE / (m * (m - 1))),
    sum(pos)::DOUBLE / sum(m)
  FROM resampled
  GROUP BY b
),
kappas AS (
  SELECT
    b,
    CASE WHEN p_pos * p_pos + (1 - p_pos) * (1 - p_pos) < 1
      THEN (p_bar - (p_pos * p_pos + (1 - p_pos) * (1 - p_pos))) / (1 - (p_pos * p_pos + (1 - p_pos) * (1 - p_pos)))
    END AS kappa
  FROM per_sample
)
SELECT
  (SELECT count(*) FROM numbered)::INTEGER AS n_items,
  (SELECT max(m) FROM numbered)::INTEGER AS n_raters,
  (SELECT kappa FROM kappas WHERE b = 0) AS fleiss_kappa,
  (SELECT quantile_cont(kappa, 0.025) FROM kappas WHERE b > 0) AS fleiss_kappa_ci_low,
  (SELECT quantile_cont(kappa, 0.975) FROM kappas WHERE b > 0) AS fleiss_kappa_ci_high,
  100.0 * (SELECT count(*) FILTER (WHERE pos = 0 OR pos = m) FROM numbered) / (SELECT count(*) FROM numbered) AS unanimity,
  100 * wilson_low((SELECT count(*) FILTER (WHERE pos = 0 OR pos = m) FROM numbered), (SELECT count(*) FROM numbered)) AS unanimity_ci_low,
  100 * wilson_high((SELECT count(*) FILTER (WHERE pos = 0 OR pos = m) FROM numbered), (SELECT count(*) FROM numbered)) AS unanimity_ci_high,
  2000 AS bootstrap_replicates,
  20240401 AS bootstrap_seed
WHERE (SELECT count(*) FROM numbered) > 0;
