-- thinksafe's judge metrics next to those JailbreakBench published for the same 300 responses.
-- Reads judge_agreement (judge_agreement.sql) and published_judge_metrics(judge, agreement, fpr, fnr),
-- published rounded to one decimal; a metric reproduces when ours rounds to the same value.
SELECT
  p.judge,
  p.agreement AS published_agreement,
  a.agreement,
  p.fpr AS published_fpr,
  a.fpr,
  p.fnr AS published_fnr,
  a.fnr,
  round(a.agreement, 1) = p.agreement AND round(a.fpr, 1) = p.fpr AND round(a.fnr, 1) = p.fnr AS reproduces
FROM published_judge_metrics AS p
LEFT JOIN judge_agreement AS a USING (judge)
ORDER BY p.judge;
