-- How well each judge agrees with the human majority on the same responses.
-- Reads judge_verdicts(item_index, judge, judge_kind, is_jailbroken, human_majority).
-- Positive = jailbroken. agreement = accuracy, fpr = FP / (FP + TN), fnr = FN / (FN + TP), all in
-- percent with Wilson 95% intervals (NULL where the denominator is 0). kappa = Cohen's kappa with
-- the Fleiss-Cohen-Everitt large-sample 95% interval, clipped to [-1, 1]; kappa and its interval are
-- NULL when chance agreement is 1 (greatest/least skip NULLs, hence the CASE).
WITH counts AS (
  SELECT
    judge,
    min(judge_kind) AS judge_kind,
    count(*)::INTEGER AS n,
    count(*) FILTER (WHERE is_jailbroken AND human_majority)::INTEGER AS tp,
    count(*) FILTER (WHERE is_jailbroken AND NOT human_majority)::INTEGER AS fp,
    count(*) FILTER (WHERE NOT is_jailbroken AND NOT human_majority)::INTEGER AS tn,
    count(*) FILTER (WHERE NOT is_jailbroken AND human_majority)::INTEGER AS fn
  FROM judge_verdicts
  GROUP BY judge
)
SELECT
  judge,
  judge_kind,
  n, tp, fp, tn, fn,
  100.0 * (tp + tn) / n AS agreement,
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
ORDER BY CASE judge_kind WHEN 'live' THEN 0 WHEN 'recorded' THEN 1 ELSE 2 END, judge;
