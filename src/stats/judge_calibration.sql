-- How well each judge an experiment uses agrees with human raters, per human-labelled set: the
-- statistics of judge_agreement.sql, with its definitions and intervals, for every judge version
-- (judge model, rubric hash, parser version) on every set.
-- Reads calibration_verdicts(human_set_id, item_id, judge_id, judge_version, is_simulated, unsafe,
-- human_majority). Positive = unsafe (jailbroken, harmful). A judge that reached no verdict on an
-- item (unsafe NULL: an unparsed reply or a failed request) is counted in n_unresolved and left out
-- of n and of every rate. agreement = accuracy, fpr = FP / (FP + TN), fnr = FN / (FN + TP), in
-- percent with Wilson 95% intervals (NULL where the denominator is 0); kappa = Cohen's kappa with
-- the Fleiss-Cohen-Everitt large-sample 95% interval, clipped to [-1, 1], NULL when chance
-- agreement is 1. is_simulated: some verdict came from thinksafe's simulator.
WITH counts AS (
  SELECT
    human_set_id,
    judge_id,
    judge_version,
    bool_or(is_simulated) AS is_simulated,
    count(*)::INTEGER AS n_items,
    count(*) FILTER (WHERE unsafe IS NULL)::INTEGER AS n_unresolved,
    count(unsafe)::INTEGER AS n,
    count(*) FILTER (WHERE unsafe AND human_majority)::INTEGER AS tp,
    count(*) FILTER (WHERE unsafe AND NOT human_majority)::INTEGER AS fp,
    count(*) FILTER (WHERE NOT unsafe AND NOT human_majority)::INTEGER AS tn,
    count(*) FILTER (WHERE NOT unsafe AND human_majority)::INTEGER AS fn
  FROM calibration_verdicts
  GROUP BY human_set_id, judge_id, judge_version
)
SELECT
  human_set_id,
  judge_id,
  judge_version,
  is_simulated,
  n_items, n_unresolved,
  n, tp, fp, tn, fn,
  CASE WHEN n > 0 THEN 100.0 * (tp + tn) / n END AS agreement,
  100 * wilson_low(tp + tn, n) AS agreement_ci_low,
  100 * wilson_high(tp + tn, n) AS agreement_ci_high,
  CASE WHEN fp + tn > 0 THEN 100.0 * fp / (fp + tn) END AS fpr,
  100 * wilson_low(fp, fp + tn) AS fpr_ci_low,
  100 * wilson_high(fp, fp + tn) AS fpr_ci_high,
  CASE WHEN fn + tp > 0 THEN 100.0 * fn / (fn + tp) END AS fnr,
  100 * wilson_low(fn, fn + tp) AS fnr_ci_low,
  100 * wilson_high(fn, fn + tp) AS fnr_ci_high,
  cohen_kappa(tp, fp, fn, tn) AS kappa,
  CASE WHEN cohen_kappa(tp, fp, fn, tn) IS NOT NULL
    THEN greatest(-1.0, cohen_kappa(tp, fp, fn, tn) - z95() * cohen_kappa_se(tp, fp, fn, tn)) END AS kappa_ci_low,
  CASE WHEN cohen_kappa(tp, fp, fn, tn) IS NOT NULL
    THEN least(1.0, cohen_kappa(tp, fp, fn, tn) + z95() * cohen_kappa_se(tp, fp, fn, tn)) END AS kappa_ci_high
FROM counts
ORDER BY judge_id, judge_version, human_set_id;
